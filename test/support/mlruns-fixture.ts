import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import type { MlflowModel, ModelRun } from './mlflow-model.js';

/** RunStatus as MLflow's file store writes it in meta.yaml (mlflow/entities/run_status.py). */
const STATUS_NUMBER = { RUNNING: 1, SCHEDULED: 2, FINISHED: 3, FAILED: 4, KILLED: 5 } as const;

/**
 * Lay a model out exactly as MLflow's FileStore (mlflow/store/tracking/file_store.py, the store qlib's recorder
 * uses) writes it: meta.yaml per experiment and run (yaml.safe_dump: keys sorted, the status as its enum number,
 * absolute file:// artifact URIs), one file per param and tag (its content is the value; `/` in a key makes
 * directories), metric files of `<timestamp> <value> <step>` lines with Python's float repr, artifacts as files,
 * and deleted experiments under .trash/.
 */
export function writeMlruns(root: string, model: MlflowModel): void {
  writeMlrunsExperiments(root, model);
  for (const run of model.runs) writeRun(root, model, run);
}

/** (Re)write every experiment's meta.yaml and tags, where its lifecycle stage puts it. */
export function writeMlrunsExperiments(root: string, model: MlflowModel): void {
  for (const e of model.experiments) {
    const dir = experimentDir(root, model, e.id);
    const meta: Record<string, unknown> = {
      artifact_location: pathToFileURL(dir).href,
      experiment_id: e.id,
      lifecycle_stage: e.lifecycleStage,
      name: e.name,
    };
    if (e.creationTime !== null) meta.creation_time = e.creationTime;
    if (e.lastUpdateTime !== null) meta.last_update_time = e.lastUpdateTime;
    writeYaml(join(dir, 'meta.yaml'), meta);
    for (const [key, value] of Object.entries(e.tags)) writeFile(join(dir, 'tags', key), value);
  }
}

/** Write (or rewrite) one run, as MLflow does while it runs and when it ends. */
export function writeRun(root: string, model: MlflowModel, run: ModelRun): void {
  const dir = join(experimentDir(root, model, run.experimentId), run.id);
  const meta = {
    artifact_uri: pathToFileURL(join(dir, 'artifacts')).href,
    end_time: run.endTime,
    entry_point_name: '',
    experiment_id: run.experimentId,
    lifecycle_stage: run.lifecycleStage,
    run_id: run.id,
    run_name: run.name ?? '',
    run_uuid: run.id,
    source_name: '',
    source_type: 4,
    source_version: '',
    start_time: run.startTime,
    status: STATUS_NUMBER[run.status],
    tags: [],
    user_id: 'quant',
  };
  writeYaml(join(dir, 'meta.yaml'), meta);
  mkdirSync(join(dir, 'params'), { recursive: true });
  mkdirSync(join(dir, 'metrics'), { recursive: true });
  mkdirSync(join(dir, 'artifacts'), { recursive: true });
  for (const [key, value] of Object.entries(run.params)) writeFile(join(dir, 'params', key), value);
  for (const [key, value] of Object.entries(run.tags)) writeFile(join(dir, 'tags', key), value);
  for (const [key, points] of Object.entries(run.metrics)) {
    const lines = points.map(([ts, value, step]) => `${ts} ${pythonFloat(value)} ${step}\n`);
    writeFile(join(dir, 'metrics', key), lines.join(''));
  }
  for (const [path, bytes] of Object.entries(run.artifacts)) writeFile(join(dir, 'artifacts', path), bytes);
}

export function runDir(root: string, model: MlflowModel, run: ModelRun): string {
  return join(experimentDir(root, model, run.experimentId), run.id);
}

function experimentDir(root: string, model: MlflowModel, id: string): string {
  const deleted = model.experiments.find((e) => e.id === id)?.lifecycleStage === 'deleted';
  return deleted ? join(root, '.trash', id) : join(root, id);
}

/** Python's repr of a float: 0.1, 1e-05, nan, inf, -inf (what MLflow's `str(metric.value)` writes). */
export function pythonFloat(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Number.POSITIVE_INFINITY) return 'inf';
  if (value === Number.NEGATIVE_INFINITY) return '-inf';
  const text = String(value);
  if (/e/.test(text)) return text.replace(/e([+-])(\d)$/, 'e$10$2');
  return Number.isInteger(value) ? `${text}.0` : text;
}

function writeYaml(path: string, doc: Record<string, unknown>): void {
  const sorted = Object.fromEntries(Object.entries(doc).sort(([a], [b]) => (a < b ? -1 : 1)));
  writeFile(path, stringify(sorted));
}

function writeFile(path: string, data: string | Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
}
