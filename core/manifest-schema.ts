import * as z from 'zod';
import { isBatchId } from './batch-id.js';
import { isValidDate } from './csv/index.js';
import {
  COLUMN_PATTERN,
  columnKey,
  DATASET_PATTERN,
  HISTORY_SEPARATOR,
  isColumnName,
  isDatasetName,
  RESERVED_COLUMNS,
} from './identifiers.js';
import { BATCH_KINDS, type BatchKind, formatBatchKey } from './keys.js';
import { formatVersionOne } from './schema.js';

/**
 * Manifest format v1 as a zod schema: the one description the parser checks with (core/schema.ts checkWith)
 * and the JSON Schema in docs/batch-format.md is generated from (scripts/manifest-schema.ts). Rules a JSON
 * Schema cannot say (a real date, start <= end, unique column names, the payload key) are refinements; the
 * `meta` beside them is what the generated schema shows of them.
 */

/** InnoDB allows 1017 columns per table; three are ours (trade_date, instrument, batch_id). */
export const MAX_COLUMNS = 1000;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const U64_MAX = 18446744073709551615n;
const BATCH_ID_PATTERN = '^\\d{8}T\\d{9}Z-[A-Za-z0-9._=-]{1,64}$';

/** The payload format each kind uses. */
export function payloadFormatOf(kind: BatchKind): 'csv' | 'jsonl' {
  return kind === 'experiments' ? 'jsonl' : 'csv';
}

const realDate = z
  .string()
  .refine(isValidDate, 'must be a real date YYYY-MM-DD')
  .meta({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'a real calendar date, years 1000-9999' });

const column = z.strictObject({
  name: z
    .string()
    .refine(
      isColumnName,
      `must match ^[A-Za-z_][A-Za-z0-9_]{0,63}$ and not be one of our columns (${RESERVED_COLUMNS.join(', ')})`,
    )
    .meta({ pattern: COLUMN_PATTERN.source, description: 'unique case-insensitively; not a reserved name' }),
  type: z.enum(['float32', 'float64'], { error: 'must be float32 or float64' }),
});

const payload = z.strictObject({
  key: z.string().meta({ description: 'incoming/<kind>/<dataset>/<batchId>/data.csv.gz' }),
  format: z.enum(['csv', 'jsonl'], { error: 'must be csv or jsonl' }),
  compression: z.literal('gzip', { error: 'must be gzip' }),
  bytes: z.int().min(0, 'must be >= 0'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
  crc64: z
    .string()
    .refine(isU64Decimal, 'must be an unsigned 64-bit decimal string')
    .meta({ pattern: '^(0|[1-9]\\d{0,19})$', description: 'CRC-64/XZ as an unsigned decimal' }),
});

export const ManifestSchema = z
  .strictObject({
    formatVersion: formatVersionOne,
    batchId: z
      .string()
      .refine(isBatchId, 'must be <yyyymmdd>T<hhmmssmmm>Z-<suffix>')
      .meta({ pattern: BATCH_ID_PATTERN }),
    kind: z.enum(BATCH_KINDS, { error: `must be one of ${BATCH_KINDS.join(', ')}` }),
    dataset: z
      .string()
      .refine((d) => DATASET_PATTERN.test(d), `must match ${DATASET_PATTERN.source}`)
      .refine((d) => !d.includes(HISTORY_SEPARATOR), {
        message: `must not contain "${HISTORY_SEPARATOR}": it separates a table from its history table`,
        params: { kind: 'DATASET_SEPARATOR' },
      })
      .meta({ pattern: DATASET_PATTERN.source, description: `must not contain "${HISTORY_SEPARATOR}"` }),
    frequency: z.literal('day', { error: 'must be "day"' }),
    dateRange: z.strictObject({ start: realDate, end: realDate }).superRefine(startNotAfterEnd),
    columns: z.array(column).superRefine(uniqueColumnNames, { when: () => true }),
    rowCount: z.int().min(1, 'must be at least 1'),
    payload,
    producer: z.strictObject({
      host: z.string().min(1, '1..255 chars').max(255, '1..255 chars'),
      agentVersion: z.string(),
      sourcePath: z.string(),
    }),
    createdAt: z
      .string()
      .refine(isIsoUtc, 'must be ISO 8601 UTC, e.g. 2026-11-26T18:00:00.000Z')
      .meta({ pattern: ISO_UTC.source }),
  })
  .superRefine(matchesKind, { when: () => true });

function startNotAfterEnd(range: { start: string; end: string }, ctx: z.RefinementCtx): void {
  if (isValidDate(range.start) && isValidDate(range.end) && range.start > range.end) {
    ctx.addIssue({
      code: 'custom',
      message: `start ${range.start} is after end ${range.end}`,
      params: { kind: 'DATE_RANGE' },
    });
  }
}

/** Runs even when a column is invalid, so a duplicate is reported with everything else (values may be raw). */
function uniqueColumnNames(columns: unknown, ctx: z.RefinementCtx): void {
  if (!Array.isArray(columns)) return;
  const seen = new Map<string, number>();
  columns.forEach((col, i) => {
    const name = (col as { name?: unknown } | null)?.name;
    if (typeof name !== 'string' || !isColumnName(name)) return;
    const first = seen.get(columnKey(name));
    if (first !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'name'],
        message: `same column as $.columns[${first}] (names are case-insensitive)`,
        params: { kind: 'DUPLICATE_COLUMN' },
      });
    }
    seen.set(columnKey(name), i);
  });
}

/** The rules that tie fields together: columns per kind, payload format and key. Values may be raw here. */
function matchesKind(m: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const kind = BATCH_KINDS.find((k) => k === m.kind);
  if (kind === undefined) return;
  const columns = Array.isArray(m.columns) ? m.columns : undefined;
  const add = (path: PropertyKey[], message: string, kindOfProblem = 'VALUE') =>
    ctx.addIssue({ code: 'custom', path, message, params: { kind: kindOfProblem } });
  if (kind === 'factors' && columns && (columns.length < 1 || columns.length > MAX_COLUMNS))
    add(['columns'], `a factors batch has 1..${MAX_COLUMNS} columns, got ${columns.length}`);
  if (kind !== 'factors' && columns && columns.length > 0)
    add(['columns'], `a ${kind} batch has no value columns`);
  const p = (typeof m.payload === 'object' && m.payload !== null ? m.payload : {}) as Record<string, unknown>;
  const format = p.format === 'csv' || p.format === 'jsonl' ? p.format : undefined;
  if (format !== undefined && format !== payloadFormatOf(kind))
    add(['payload', 'format'], `a ${kind} batch uses ${payloadFormatOf(kind)}`);
  const { dataset, batchId } = m;
  if (typeof p.key !== 'string' || format === undefined) return;
  if (typeof dataset !== 'string' || !isDatasetName(dataset)) return;
  if (typeof batchId !== 'string' || !isBatchId(batchId)) return;
  const file = format === 'csv' ? 'data.csv.gz' : 'data.jsonl.gz';
  const expected = formatBatchKey({ area: 'incoming', kind, dataset, batchId, file });
  if (p.key !== expected) add(['payload', 'key'], `must be ${expected}`, 'KEY_MISMATCH');
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
