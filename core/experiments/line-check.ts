import type { Problem } from '../errors.js';
import { checkWith } from '../schema.js';
import { type ExperimentsLine, LINE_SCHEMAS, type LineType } from './lines.js';

/**
 * One payload line → its record, or every problem with a code a person can act on. The schemas (lines.ts) do the
 * checking; the codes of the named rules are picked by where the problem is:
 *   EXP_NOT_JSON            the line is not JSON (or not an object)
 *   EXP_TYPE_UNKNOWN        `type` is not experiment, config, run, metric or artifact
 *   EXP_STATUS_UNKNOWN      a run status MLflow does not have
 *   EXP_METRIC_NOT_NUMBER   a metric value that is neither a number nor "NaN"/"Infinity"/"-Infinity"
 *   EXP_PARAM_TOO_LONG      a param (or tag) key over 250 characters or value over 65,535 bytes
 *   EXP_LINE_<KIND>         any other shape problem (REQUIRED, TYPE, UNKNOWN_FIELD, VALUE, RANGE, FORMAT)
 */
export type LineCheck = { ok: true; record: ExperimentsLine } | { ok: false; problems: Problem[] };

export function checkLine(text: string, line: number): LineCheck {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return fail({ code: 'EXP_NOT_JSON', message: (error as Error).message, value: text.slice(0, 80) }, line);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return fail(
      { code: 'EXP_NOT_JSON', message: 'a line must be a JSON object', value: text.slice(0, 80) },
      line,
    );
  }
  const type = (doc as { type?: unknown }).type;
  if (typeof type !== 'string' || !(type in LINE_SCHEMAS)) {
    const message = `type must be one of ${Object.keys(LINE_SCHEMAS).join(', ')}`;
    return fail(
      { code: 'EXP_TYPE_UNKNOWN', path: '$.type', message, value: String(type).slice(0, 80) },
      line,
    );
  }
  const checked = checkWith(LINE_SCHEMAS[type as LineType], doc, 'EXP_LINE');
  if (checked.ok) return { ok: true, record: checked.value as ExperimentsLine };
  return { ok: false, problems: checked.problems.map((p) => ({ ...p, code: codeOf(type, p), line })) };
}

function codeOf(type: string, p: Problem): string {
  const path = p.path ?? '';
  if (type === 'run' && path === '$.status') return 'EXP_STATUS_UNKNOWN';
  if (type === 'metric' && /^\$\.history\[\d+\]\[2\]$/.test(path)) return 'EXP_METRIC_NOT_NUMBER';
  const keyed = /^\$\.(params|tags)\./.test(path) || /^\$\.(params|tags)$/.test(path);
  if (keyed && (p.code === 'EXP_LINE_VALUE' || p.code === 'EXP_LINE_RANGE')) return 'EXP_PARAM_TOO_LONG';
  return p.code;
}

function fail(p: Problem, line: number): LineCheck {
  return { ok: false, problems: [{ ...p, line }] };
}
