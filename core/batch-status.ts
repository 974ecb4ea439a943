import { isBatchId } from './batch-id.js';
import { DocReader } from './doc-reader.js';
import { TerminalError } from './errors.js';
import { isDatasetName } from './identifiers.js';
import { BATCH_KINDS, type BatchKind, parseKey } from './keys.js';

/**
 * The outcome ingest publishes for a batch at `status/<kind>/<dataset>/<batch-id>.json` (keys.ts
 * formatStatusKey), and the agent reads back (docs/batch-format.md). Until it exists a batch is "uploaded".
 */
export interface BatchStatus {
  formatVersion: 1;
  batchId: string;
  kind: BatchKind;
  dataset: string;
  status: BatchOutcome;
  /** When ingest decided, ISO 8601 UTC. */
  at: string;
  /** Rows merged into the table (loaded batches). */
  rowsLoaded?: number;
  /** The batch whose identical content was loaded before (duplicate batches). */
  duplicateOf?: string;
  /** The rule or contract code that rejected the batch, e.g. DUPLICATE_KEY. */
  code?: string;
  /** One line a person can read. */
  summary: string;
  /** `quarantine/…/reason.json`, the full evidence of a rejection. */
  reasonKey?: string;
  /** Codes of the warning findings (the batch loaded anyway). */
  warnings: string[];
}

export const BATCH_OUTCOMES = ['loaded', 'rejected', 'duplicate'] as const;
export type BatchOutcome = (typeof BATCH_OUTCOMES)[number];

const FIELDS = [
  'formatVersion',
  'batchId',
  'kind',
  'dataset',
  'status',
  'at',
  'rowsLoaded',
  'duplicateOf',
  'code',
  'summary',
  'reasonKey',
  'warnings',
];
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/** Parse a status object (JSON text or bytes); every problem at once, as TerminalError STATUS_INVALID. */
export function parseBatchStatus(input: string | Uint8Array): BatchStatus {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof input === 'string' ? input : Buffer.from(input).toString('utf8'));
  } catch (cause) {
    throw new TerminalError(
      'STATUS_NOT_JSON',
      `batch status is not valid JSON: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  const r = new DocReader('STATUS');
  const s = r.object(doc, '$', FIELDS);
  if (s !== undefined && s.formatVersion !== 1) {
    r.add('$.formatVersion', 'VERSION', 'must be 1 (this reader knows format v1 only)', s.formatVersion);
  }
  r.string(s, 'batchId', '$', { test: isBatchId, message: 'must be a batch id' });
  r.string(s, 'kind', '$', { test: isKind, message: `must be one of ${BATCH_KINDS.join(', ')}` });
  r.string(s, 'dataset', '$', { test: isDatasetName, message: 'must match ^[a-z][a-z0-9_]{0,47}$' });
  r.string(s, 'status', '$', { test: isOutcome, message: `must be one of ${BATCH_OUTCOMES.join(', ')}` });
  r.string(s, 'at', '$', { test: isIsoUtc, message: 'must be ISO 8601 UTC' });
  r.string(s, 'summary', '$');
  readOptional(r, s);
  const warnings = r.array(s, 'warnings', '$');
  warnings?.forEach((w, i) => {
    if (typeof w !== 'string' || w.length === 0) r.add(`$.warnings[${i}]`, 'TYPE', 'must be a code string');
  });
  if (r.problems.length > 0 || s === undefined) {
    const list = r.problems.map((p) => `${p.path}: ${p.message}`).join('; ');
    throw new TerminalError('STATUS_INVALID', `batch status is invalid: ${list}`, { problems: r.problems });
  }
  return s as unknown as BatchStatus;
}

/** Canonical JSON of a status (fixed key order, absent optionals omitted, trailing newline); validates it. */
export function formatBatchStatus(s: BatchStatus): string {
  const ordered: Record<string, unknown> = {
    formatVersion: s.formatVersion,
    batchId: s.batchId,
    kind: s.kind,
    dataset: s.dataset,
    status: s.status,
    at: s.at,
  };
  if (s.rowsLoaded !== undefined) ordered.rowsLoaded = s.rowsLoaded;
  if (s.duplicateOf !== undefined) ordered.duplicateOf = s.duplicateOf;
  if (s.code !== undefined) ordered.code = s.code;
  ordered.summary = s.summary;
  if (s.reasonKey !== undefined) ordered.reasonKey = s.reasonKey;
  ordered.warnings = [...s.warnings];
  const text = `${JSON.stringify(ordered, null, 2)}\n`;
  parseBatchStatus(text);
  return text;
}

function readOptional(r: DocReader, s: Record<string, unknown> | undefined): void {
  if (s === undefined) return;
  if (s.rowsLoaded !== undefined) {
    r.integer(s, 'rowsLoaded', '$', { test: (n) => n >= 0, message: 'must be >= 0' });
  }
  if (s.duplicateOf !== undefined) {
    r.string(s, 'duplicateOf', '$', { test: isBatchId, message: 'must be a batch id' });
  }
  if (s.code !== undefined) {
    r.string(s, 'code', '$', { test: (c) => /^[A-Z][A-Z0-9_]{0,63}$/.test(c), message: 'must be a code' });
  }
  if (s.reasonKey !== undefined) {
    r.string(s, 'reasonKey', '$', { test: isReasonKey, message: 'must be quarantine/…/reason.json' });
  }
  if (s.duplicateOf !== undefined && s.status !== 'duplicate') {
    r.add('$.duplicateOf', 'VALUE', 'only a duplicate batch names the batch it duplicates');
  }
}

function isReasonKey(key: string): boolean {
  try {
    const parsed = parseKey(key);
    return parsed.type === 'batch' && parsed.area === 'quarantine' && parsed.file === 'reason.json';
  } catch {
    return false;
  }
}

function isKind(value: string): boolean {
  return (BATCH_KINDS as readonly string[]).includes(value);
}

function isOutcome(value: string): boolean {
  return (BATCH_OUTCOMES as readonly string[]).includes(value);
}

function isIsoUtc(value: string): boolean {
  return ISO_UTC.test(value) && !Number.isNaN(Date.parse(value));
}
