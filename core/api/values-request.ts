import * as z from 'zod';
import { isValidInstrument } from '../csv/instrument.js';
import type { ColumnSpec } from '../csv/types.js';
import { columnKey } from '../identifiers.js';
import { decodeCursor, queryKey, type ValuesCursor } from './cursor.js';
import type { ValuesFormat } from './page-writer.js';
import {
  type ApiProblem,
  checkQuery,
  countParam,
  dateParam,
  instantParam,
  listOf,
  type ParamsResult,
  type Query,
} from './params.js';

/** GET /v1/datasets/{dataset}/values, checked and resolved against the dataset's registered columns. */
export interface ValuesRequest {
  dataset: string;
  fields: ColumnSpec[];
  start: string;
  end: string;
  /** An explicit instrument list, or null (all instruments, or the market's). */
  instruments: string[] | null;
  market: string | null;
  /** `as_of` as UTC DATETIME(3) text, or null (the latest). */
  asOf: string | null;
  format: ValuesFormat;
  /** At most this many rows per page (the byte budget may stop a page earlier). */
  limit: number | null;
  cursor: ValuesCursor | null;
  /** Digest of the query; a cursor must carry the same. */
  key: string;
}

export interface ValuesLimits {
  maxInstruments: number;
  maxRowsPerPage: number;
}

export const VALUES_PARAMS = [
  'fields',
  'start',
  'end',
  'instruments',
  'market',
  'as_of',
  'format',
  'cursor',
  'limit',
] as const;

export const MARKET_PATTERN = /^[A-Za-z0-9_.-]{1,48}$/;
const FIRST_DAY = '0001-01-01';
const LAST_DAY = '9999-12-31';

function schema(limits: ValuesLimits) {
  return z
    .object({
      fields: z.string().optional(),
      start: dateParam.optional(),
      end: dateParam.optional(),
      instruments: z
        .string()
        .transform(listOf)
        .pipe(
          z
            .array(z.string().refine(isValidInstrument, 'is not an instrument code'))
            .min(1, 'names no instrument')
            .max(
              limits.maxInstruments,
              `names more than ${limits.maxInstruments} instruments: use market=, or split the request`,
            ),
        )
        .optional(),
      market: z
        .string()
        .regex(MARKET_PATTERN, 'must be a market name ([A-Za-z0-9_.-], at most 48)')
        .optional(),
      as_of: instantParam.optional(),
      format: z.enum(['json', 'csv'], 'must be json or csv').optional(),
      cursor: z.string().optional(),
      limit: countParam(limits.maxRowsPerPage).optional(),
    })
    .superRefine((q, ctx) => {
      if (q.start !== undefined && q.end !== undefined && q.start > q.end)
        ctx.addIssue({ code: 'custom', path: ['start'], message: `is after end (${q.end})` });
      if (q.instruments !== undefined && q.market !== undefined)
        ctx.addIssue({ code: 'custom', path: ['market'], message: 'give instruments= or market=, not both' });
    });
}

/** Check the query string and resolve it against the dataset's columns; every problem at once. */
export function readValuesRequest(
  dataset: string,
  columns: readonly ColumnSpec[],
  query: Query,
  limits: ValuesLimits,
): ParamsResult<ValuesRequest> {
  const checked = checkQuery(schema(limits), query, VALUES_PARAMS);
  if (!checked.ok) return checked;
  const q = checked.value;
  const problems: ApiProblem[] = [];
  const fields = resolveFields(q.fields, columns, problems);
  const parts = {
    dataset,
    fields: fields.map((f) => f.name),
    start: q.start ?? FIRST_DAY,
    end: q.end ?? LAST_DAY,
    instruments: q.instruments ?? null,
    market: q.market ?? null,
    asOf: q.as_of ?? null,
  };
  const key = queryKey(parts);
  const cursor = q.cursor === undefined ? null : readCursor(q.cursor, key, problems);
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: { ...parts, fields, format: q.format ?? 'json', limit: q.limit ?? null, cursor, key },
  };
}

/** Requested names in request order, matched case-insensitively (as MySQL does); default: every column. */
function resolveFields(
  text: string | undefined,
  columns: readonly ColumnSpec[],
  problems: ApiProblem[],
): ColumnSpec[] {
  if (text === undefined) return [...columns];
  const byKey = new Map(columns.map((c) => [columnKey(c.name), c]));
  const names = listOf(text);
  const unknown = names.filter((n) => !byKey.has(columnKey(n)));
  if (names.length === 0) problems.push({ code: 'PARAM_VALUE', param: 'fields', message: 'names no field' });
  if (unknown.length > 0) {
    problems.push({
      code: 'PARAM_UNKNOWN_FIELD',
      param: 'fields',
      message: `unknown field${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}`,
      value: unknown.join(',').slice(0, 80),
      allowed: columns.map((c) => c.name),
    });
  }
  const seen = new Set<string>();
  return names.flatMap((n) => {
    const column = byKey.get(columnKey(n));
    if (column === undefined || seen.has(columnKey(n))) return [];
    seen.add(columnKey(n));
    return [column];
  });
}

function readCursor(text: string, key: string, problems: ApiProblem[]): ValuesCursor | null {
  const decoded = decodeCursor(text);
  if ('error' in decoded) {
    problems.push({ code: 'PARAM_CURSOR', param: 'cursor', message: decoded.error });
    return null;
  }
  if (decoded.ok.query !== key) {
    problems.push({
      code: 'PARAM_CURSOR',
      param: 'cursor',
      message:
        'belongs to another query: keep dataset, fields, start, end, instruments, market and as_of as they were on the first page',
    });
    return null;
  }
  return decoded.ok;
}
