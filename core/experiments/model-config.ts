import type { ConfigRecord } from './lines.js';
import { type Literal, parsePythonLiteral } from './python-literal.js';

/**
 * A qlib workflow config, parsed enough to query (docs/experiments.md, "Model configs"). Works on the whole qrun
 * config (`qlib_init`, `market`, `benchmark`, `task: {model, dataset, record}`, as in qlib's
 * examples/benchmarks/*.yaml) or on the task alone (what qlib logs as params, flattened). Pure: the caller parsed
 * the YAML. The config artifact qrun saves is a pickle and is never read.
 */
export type ConfigFields = ConfigRecord['fields'];
type Doc = { [key: string]: unknown };

/** The query fields of a config object; absent parts are null. */
export function configFields(config: unknown): ConfigFields {
  const root = asDoc(config) ?? {};
  const task = asDoc(root.task) ?? root;
  const model = asDoc(task.model);
  const dataset = asDoc(task.dataset);
  const datasetKwargs = asDoc(dataset?.kwargs);
  const handler = asDoc(datasetKwargs?.handler);
  const handlerKwargs = asDoc(handler?.kwargs);
  return {
    modelClass: str(model?.class),
    modelModule: str(model?.module_path),
    datasetClass: str(dataset?.class),
    datasetModule: str(dataset?.module_path),
    handlerClass: str(handler?.class),
    handlerModule: str(handler?.module_path),
    market: market(handlerKwargs?.instruments) ?? market(root.market),
    benchmark: str(root.benchmark) ?? benchmarkOf(root, task),
    label: labelOf(handlerKwargs?.label),
    segments: segmentsOf(datasetKwargs?.segments),
  };
}

/**
 * qlib logs `flatten_dict(task_config)` (qlib/model/trainer.py `_log_task_info`): `model.class`,
 * `dataset.kwargs.handler.kwargs.instruments`, … each value `str()`'d. This rebuilds the task dict from the params
 * under `model.`, `dataset.` and `record` with their Python values; undefined when there is no `model.class`.
 */
export function taskFromParams(params: Readonly<Record<string, string>>): Doc | undefined {
  if (params['model.class'] === undefined) return undefined;
  const task: Doc = {};
  const keys = Object.keys(params)
    .filter((k) => k.startsWith('model.') || k.startsWith('dataset.') || k === 'record')
    .sort();
  for (const key of keys) {
    const text = params[key] as string;
    const parsed = parsePythonLiteral(text);
    setPath(task, key.split('.'), parsed === undefined ? text : parsed);
  }
  return task;
}

/** A readable name for a config rebuilt from params: `<model>-<handler>-<market>`. */
export function derivedName(fields: ConfigFields): string | null {
  const parts = [fields.modelClass, fields.handlerClass, fields.market].filter(
    (p): p is string => p !== null,
  );
  return parts.length === 0 ? null : parts.join('-').slice(0, 255);
}

/** A segment bound as a DATE column value: `YYYY-MM-DD` (the date part of a datetime), else null. */
export function segmentDate(bound: string | undefined): string | null {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T].*)?$/.exec(bound ?? '');
  return m === null ? null : (m[1] as string);
}

function setPath(target: Doc, path: string[], value: Literal): void {
  let at = target;
  for (const part of path.slice(0, -1)) {
    const next = asDoc(at[part]);
    if (next === undefined) at[part] = {};
    at = at[part] as Doc;
  }
  at[path[path.length - 1] as string] = value;
}

function asDoc(value: unknown): Doc | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Doc) : undefined;
}

function str(value: unknown): string | null {
  if (typeof value === 'string' && value.length > 0) return value.slice(0, 255);
  return typeof value === 'number' ? String(value) : null;
}

function market(value: unknown): string | null {
  if (Array.isArray(value)) return value.map(String).join(',').slice(0, 255) || null;
  return str(value);
}

function benchmarkOf(root: Doc, task: Doc): string | null {
  const backtest = asDoc(asDoc(root.port_analysis_config)?.backtest);
  if (backtest !== undefined) return str(backtest.benchmark);
  for (const record of Array.isArray(task.record) ? task.record : []) {
    const config = asDoc(asDoc(asDoc(record)?.kwargs)?.config);
    const found = str(asDoc(config?.backtest)?.benchmark);
    if (found !== null) return found.slice(0, 64);
  }
  return null;
}

/** `label: ["Ref($close, -2)/Ref($close, -1) - 1"]`, or `[[exprs], [names]]`: the expressions, `; `-joined. */
function labelOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value) || value.length === 0) return null;
  const exprs = Array.isArray(value[0]) ? (value[0] as unknown[]) : value;
  return exprs.map(String).join('; ');
}

function segmentsOf(value: unknown): Record<string, [string, string]> {
  const out: Record<string, [string, string]> = {};
  for (const [name, bounds] of Object.entries(asDoc(value) ?? {})) {
    if (!Array.isArray(bounds) || bounds.length !== 2 || name.length > 32) continue;
    out[name] = [boundText(bounds[0]), boundText(bounds[1])];
  }
  return out;
}

function boundText(value: unknown): string {
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return String(value).slice(0, 32);
}
