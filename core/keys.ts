import { isBatchId } from './batch-id.js';
import { TerminalError } from './errors.js';
import { DATASET_PATTERN, HISTORY_SEPARATOR, isDatasetName } from './identifiers.js';

/**
 * Object-key layout (a typed contract with parse/format, after dlt's file names):
 *   incoming/<kind>/<dataset>/<batch-id>/<file>     what the agent writes; the OSS trigger watches it
 *   loaded/<kind>/<dataset>/<batch-id>/<file>       where ingest moves a loaded batch
 *   quarantine/<kind>/<dataset>/<batch-id>/<file>   where ingest moves a rejected batch (+ reason.json)
 *   status/<kind>/<dataset>/<batch-id>.json         the outcome ingest publishes for the agent to read
 */

export const BATCH_KINDS = ['factors', 'calendar', 'experiments'] as const;
export type BatchKind = (typeof BATCH_KINDS)[number];

export const AREAS = ['incoming', 'loaded', 'quarantine'] as const;
export type Area = (typeof AREAS)[number];

export const BATCH_FILES = ['data.csv.gz', 'data.jsonl.gz', 'manifest.json', 'reason.json'] as const;
export type BatchFile = (typeof BATCH_FILES)[number];

export interface BatchRef {
  kind: BatchKind;
  dataset: string;
  batchId: string;
}

export interface BatchObjectKey extends BatchRef {
  area: Area;
  file: BatchFile;
}

export type ParsedKey = ({ type: 'batch' } & BatchObjectKey) | ({ type: 'status' } & BatchRef);

/** Format the key of one file of a batch in an area. */
export function formatBatchKey(key: BatchObjectKey): string {
  checkRef(key);
  if (!BATCH_FILES.includes(key.file)) throw invalid(key.file, `unknown batch file ${key.file}`);
  if (key.file === 'reason.json' && key.area !== 'quarantine') {
    throw invalid(key.file, 'reason.json lives only in quarantine/');
  }
  return `${key.area}/${key.kind}/${key.dataset}/${key.batchId}/${key.file}`;
}

/** The prefix holding every file of a batch in an area, with the trailing slash. */
export function formatBatchPrefix(area: Area, ref: BatchRef): string {
  checkRef(ref);
  return `${area}/${ref.kind}/${ref.dataset}/${ref.batchId}/`;
}

/** Format the key of a batch's status object. */
export function formatStatusKey(ref: BatchRef): string {
  checkRef(ref);
  return `status/${ref.kind}/${ref.dataset}/${ref.batchId}.json`;
}

/** Parse any key of the layout; anything else is a terminal error (code KEY_INVALID) saying why. */
export function parseKey(key: string): ParsedKey {
  checkKeySyntax(key);
  const parts = key.split('/');
  if (parts[0] === 'status' && parts.length === 4 && parts[3]?.endsWith('.json')) {
    const ref = toRef(key, parts[1], parts[2], parts[3].slice(0, -'.json'.length));
    return { type: 'status', ...ref };
  }
  const area = parts[0] as Area;
  if (!AREAS.includes(area) || parts.length !== 5) {
    throw invalid(key, 'expected <incoming|loaded|quarantine>/<kind>/<dataset>/<batch-id>/<file>');
  }
  const file = parts[4] as BatchFile;
  const parsed = { type: 'batch' as const, area, ...toRef(key, parts[1], parts[2], parts[3]), file };
  if (formatBatchKey(parsed) !== key) throw invalid(key, 'not a canonical batch key');
  return parsed;
}

/** Reject what must never reach a key: traversal, absolute paths, empty segments, control or non-ASCII chars. */
export function checkKeySyntax(key: string): void {
  if (key.length === 0 || key.length > 1023) throw invalid(key, 'length must be 1..1023');
  if (key.startsWith('/')) throw invalid(key, 'a key may not start with /');
  if (/[^\x20-\x7e]/.test(key)) throw invalid(key, 'only printable ASCII is allowed in keys');
  const segments = key.split('/');
  if (segments.some((s) => s === '')) throw invalid(key, 'empty path segment');
  if (segments.some((s) => s === '..' || s === '.'))
    throw invalid(key, '"." and ".." segments are not allowed');
}

function toRef(key: string, kind?: string, dataset?: string, batchId?: string): BatchRef {
  if (!BATCH_KINDS.includes(kind as BatchKind)) throw invalid(key, `unknown kind ${kind}`);
  if (dataset !== undefined && DATASET_PATTERN.test(dataset) && dataset.includes(HISTORY_SEPARATOR)) {
    const why = `dataset name ${dataset} contains "${HISTORY_SEPARATOR}", the history table's separator`;
    throw invalid(key, why, 'KEY_DATASET_SEPARATOR');
  }
  if (dataset === undefined || !isDatasetName(dataset)) throw invalid(key, `invalid dataset name ${dataset}`);
  if (batchId === undefined || !isBatchId(batchId)) throw invalid(key, `invalid batch id ${batchId}`);
  return { kind: kind as BatchKind, dataset, batchId };
}

function checkRef(ref: BatchRef): void {
  const label = `${ref.kind}/${ref.dataset}/${ref.batchId}`;
  toRef(label, ref.kind, ref.dataset, ref.batchId);
}

/** KEY_INVALID; `rule` names the broken rule when it has a code of its own (problems[0].code). */
function invalid(key: string, why: string, rule = 'KEY_INVALID'): TerminalError {
  const message = `object key ${JSON.stringify(key)}: ${why}`;
  return new TerminalError('KEY_INVALID', message, {
    problems: [{ code: rule, message: why, value: key.slice(0, 80) }],
  });
}
