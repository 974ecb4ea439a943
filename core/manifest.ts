import { isBatchId } from './batch-id.js';
import { type ColumnSpec, isValidDate } from './csv/index.js';
import { DocReader } from './doc-reader.js';
import { TerminalError } from './errors.js';
import {
  columnKey,
  DATASET_PATTERN,
  HISTORY_SEPARATOR,
  isColumnName,
  isDatasetName,
  RESERVED_COLUMNS,
} from './identifiers.js';
import { BATCH_KINDS, type BatchKind, formatBatchKey } from './keys.js';

/** Manifest format v1: what the payload must be. The function trusts nothing the manifest does not let it check. */
export interface ManifestV1 {
  formatVersion: 1;
  batchId: string;
  kind: BatchKind;
  dataset: string;
  frequency: 'day';
  dateRange: { start: string; end: string };
  columns: ColumnSpec[];
  rowCount: number;
  payload: PayloadSpec;
  producer: { host: string; agentVersion: string; sourcePath: string };
  createdAt: string;
}

export interface PayloadSpec {
  key: string;
  format: 'csv' | 'jsonl';
  compression: 'gzip';
  bytes: number;
  sha256: string;
  crc64: string;
}

/** InnoDB allows 1017 columns per table; three are ours (trade_date, instrument, batch_id). */
export const MAX_COLUMNS = 1000;
const TOP = ['formatVersion', 'batchId', 'kind', 'dataset', 'frequency', 'dateRange', 'columns', 'rowCount'];
const FIELDS = [...TOP, 'payload', 'producer', 'createdAt'];
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const U64_MAX = 18446744073709551615n;

/** The payload format each kind uses. */
export function payloadFormatOf(kind: BatchKind): PayloadSpec['format'] {
  return kind === 'experiments' ? 'jsonl' : 'csv';
}

/** Parse a manifest (JSON text or bytes); every problem is reported at once with its JSON path. */
export function parseManifest(input: string | Uint8Array): ManifestV1 {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof input === 'string' ? input : Buffer.from(input).toString('utf8'));
  } catch (cause) {
    throw new TerminalError(
      'MANIFEST_NOT_JSON',
      `manifest.json is not valid JSON: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  const r = new DocReader('MANIFEST');
  const m = r.object(doc, '$', FIELDS);
  if (m === undefined) throw invalidManifest(r);
  const version = m.formatVersion;
  if (version !== 1) {
    r.add('$.formatVersion', 'VERSION', 'must be 1 (this reader knows format v1 only)', version);
  }
  const batchId = r.string(m, 'batchId', '$', {
    test: isBatchId,
    message: 'must be <yyyymmdd>T<hhmmssmmm>Z-<suffix>',
  });
  const kind = r.string(m, 'kind', '$', {
    test: isKind,
    message: `must be one of ${BATCH_KINDS.join(', ')}`,
  });
  const named = r.string(m, 'dataset', '$', {
    test: (d) => DATASET_PATTERN.test(d),
    message: 'must match ^[a-z][a-z0-9_]{0,47}$',
  });
  if (named?.includes(HISTORY_SEPARATOR)) {
    const why = `must not contain "${HISTORY_SEPARATOR}": it separates a table from its history table`;
    r.add('$.dataset', 'DATASET_SEPARATOR', why, named);
  }
  const dataset = named !== undefined && isDatasetName(named) ? named : undefined;
  r.string(m, 'frequency', '$', { test: (f) => f === 'day', message: 'must be "day"' });
  readDateRange(r, m);
  const columns = readColumns(r, m, kind as BatchKind | undefined);
  r.integer(m, 'rowCount', '$', { test: (n) => n >= 1, message: 'must be at least 1' });
  readPayload(r, m, kind as BatchKind | undefined, dataset, batchId);
  const producer = r.object(m.producer, '$.producer', ['host', 'agentVersion', 'sourcePath']);
  r.string(producer, 'host', '$.producer', {
    test: (s) => s.length > 0 && s.length <= 255,
    message: '1..255 chars',
  });
  r.string(producer, 'agentVersion', '$.producer');
  r.string(producer, 'sourcePath', '$.producer');
  r.string(m, 'createdAt', '$', {
    test: isIsoUtc,
    message: 'must be ISO 8601 UTC, e.g. 2026-11-26T18:00:00.000Z',
  });
  if (r.problems.length > 0 || columns === undefined) throw invalidManifest(r);
  return m as unknown as ManifestV1;
}

/** Format a manifest as canonical JSON (fixed key order, 2-space indent, trailing newline). */
export function formatManifest(m: ManifestV1): string {
  const ordered = {
    formatVersion: m.formatVersion,
    batchId: m.batchId,
    kind: m.kind,
    dataset: m.dataset,
    frequency: m.frequency,
    dateRange: { start: m.dateRange.start, end: m.dateRange.end },
    columns: m.columns.map((c) => ({ name: c.name, type: c.type })),
    rowCount: m.rowCount,
    payload: { ...m.payload },
    producer: {
      host: m.producer.host,
      agentVersion: m.producer.agentVersion,
      sourcePath: m.producer.sourcePath,
    },
    createdAt: m.createdAt,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

function invalidManifest(r: DocReader): TerminalError {
  const list = r.problems.map((p) => `${p.path}: ${p.message}`).join('; ');
  return new TerminalError('MANIFEST_INVALID', `manifest.json is invalid: ${list}`, { problems: r.problems });
}

function readDateRange(r: DocReader, m: Record<string, unknown> | undefined): void {
  const range = r.object(m?.dateRange, '$.dateRange', ['start', 'end']);
  const rule = { test: isValidDate, message: 'must be a real date YYYY-MM-DD' };
  const start = r.string(range, 'start', '$.dateRange', rule);
  const end = r.string(range, 'end', '$.dateRange', rule);
  if (start !== undefined && end !== undefined && start > end) {
    r.add('$.dateRange', 'DATE_RANGE', `start ${start} is after end ${end}`);
  }
}

function readColumns(
  r: DocReader,
  m: Record<string, unknown> | undefined,
  kind?: BatchKind,
): ColumnSpec[] | undefined {
  const list = r.array(m, 'columns', '$');
  if (list === undefined) return undefined;
  if (kind === 'factors' && (list.length < 1 || list.length > MAX_COLUMNS)) {
    r.add('$.columns', 'VALUE', `a factors batch has 1..${MAX_COLUMNS} columns, got ${list.length}`);
  }
  if (kind !== undefined && kind !== 'factors' && list.length > 0) {
    r.add('$.columns', 'VALUE', `a ${kind} batch has no value columns`);
  }
  const seen = new Map<string, number>();
  list.forEach((item, i) => {
    const path = `$.columns[${i}]`;
    const col = r.object(item, path, ['name', 'type']);
    const name = r.string(col, 'name', path, {
      test: isColumnName,
      message: `must match ^[A-Za-z_][A-Za-z0-9_]{0,63}$ and not be one of our columns (${RESERVED_COLUMNS.join(', ')})`,
    });
    r.string(col, 'type', path, {
      test: (t) => t === 'float32' || t === 'float64',
      message: 'must be float32 or float64',
    });
    if (name === undefined) return;
    const first = seen.get(columnKey(name));
    if (first !== undefined) {
      r.add(
        `${path}.name`,
        'DUPLICATE_COLUMN',
        `same column as $.columns[${first}] (names are case-insensitive)`,
        name,
      );
    }
    seen.set(columnKey(name), i);
  });
  return list as ColumnSpec[];
}

function readPayload(
  r: DocReader,
  m: Record<string, unknown> | undefined,
  kind?: BatchKind,
  dataset?: string,
  batchId?: string,
): void {
  const fields = ['key', 'format', 'compression', 'bytes', 'sha256', 'crc64'];
  const p = r.object(m?.payload, '$.payload', fields);
  const format = r.string(p, 'format', '$.payload', {
    test: (f) => f === 'csv' || f === 'jsonl',
    message: 'must be csv or jsonl',
  });
  if (kind !== undefined && format !== undefined && format !== payloadFormatOf(kind)) {
    r.add('$.payload.format', 'VALUE', `a ${kind} batch uses ${payloadFormatOf(kind)}`, format);
  }
  r.string(p, 'compression', '$.payload', { test: (c) => c === 'gzip', message: 'must be gzip' });
  r.integer(p, 'bytes', '$.payload', { test: (n) => n >= 0, message: 'must be >= 0' });
  r.string(p, 'sha256', '$.payload', {
    test: (s) => /^[0-9a-f]{64}$/.test(s),
    message: 'must be 64 lower-case hex digits',
  });
  r.string(p, 'crc64', '$.payload', {
    test: isU64Decimal,
    message: 'must be an unsigned 64-bit decimal string',
  });
  const key = r.string(p, 'key', '$.payload');
  if (
    key === undefined ||
    kind === undefined ||
    dataset === undefined ||
    batchId === undefined ||
    format === undefined
  )
    return;
  const file = format === 'csv' ? 'data.csv.gz' : 'data.jsonl.gz';
  const expected = formatBatchKey({ area: 'incoming', kind, dataset, batchId, file });
  if (key !== expected) r.add('$.payload.key', 'KEY_MISMATCH', `must be ${expected}`, key);
}

function isKind(value: string): boolean {
  return (BATCH_KINDS as readonly string[]).includes(value);
}

/** ISO 8601 UTC naming a real instant: Date.parse rolls 2024-02-31 over to March, so the fields must survive. */
function isIsoUtc(value: string): boolean {
  if (!ISO_UTC.test(value)) return false;
  const time = Date.parse(value);
  return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 19) === value.slice(0, 19);
}

function isU64Decimal(value: string): boolean {
  return /^(0|[1-9]\d{0,19})$/.test(value) && BigInt(value) <= U64_MAX;
}
