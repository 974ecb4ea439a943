import * as z from 'zod';
import type { Problem } from '../errors.js';
import { checkWith } from '../schema.js';

/**
 * Query parameters of the HTTP API, read through core/schema.ts like every boundary input. A problem names the
 * parameter (`param`), says what is wrong, and, where the set is closed, what is allowed (docs/api.md, "Errors").
 */
export interface ApiProblem {
  code: string;
  param: string;
  message: string;
  value?: string;
  allowed?: readonly string[];
}

export type ParamsResult<T> = { ok: true; value: T } | { ok: false; problems: ApiProblem[] };

/** Query parameters as FC hands them over: one string per name (several values joined by commas). */
export type Query = Readonly<Record<string, string>>;

/**
 * Check `query` against `schema`: unknown parameters first (a typo such as `instrument=` must not be ignored
 * silently), then the schema, every problem at once.
 */
export function checkQuery<S extends z.ZodType>(
  schema: S,
  query: Query,
  allowed: readonly string[],
): ParamsResult<z.output<S>> {
  const unknown = Object.keys(query).filter((k) => !allowed.includes(k));
  const known = Object.fromEntries(Object.entries(query).filter(([k]) => allowed.includes(k)));
  const checked = checkWith(schema, known, 'PARAM');
  const problems = unknown.map(
    (param): ApiProblem => ({
      code: 'PARAM_UNKNOWN',
      param,
      message: `is not a parameter of this endpoint`,
      allowed,
    }),
  );
  if (!checked.ok) problems.push(...checked.problems.map(apiProblem));
  if (problems.length > 0) return { ok: false, problems };
  return checked as ParamsResult<z.output<S>>;
}

/** A core Problem (`$.start`) as an API problem (`start`). */
export function apiProblem(p: Problem): ApiProblem {
  const param = (p.path ?? '$').replace(/^\$\.?/, '').replace(/\[\d+\]$/, '') || 'query';
  const out: ApiProblem = { code: p.code, param, message: p.message };
  if (p.value !== undefined) out.value = p.value;
  return out;
}

/** `YYYY-MM-DD` that names a real calendar day. */
export const dateParam = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date YYYY-MM-DD', abort: true })
  .refine(isCalendarDate, 'is not a calendar date');

/** A timestamp with its zone (`2026-01-02T18:00:00+08:00`, `…Z`), as the UTC DATETIME(3) text MySQL compares. */
export const instantParam = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/, {
    message: 'must be a time with a zone, e.g. 2026-01-02T18:00:00+08:00 or 2026-01-02T10:00:00Z',
    abort: true,
  })
  .refine((s) => Number.isFinite(Date.parse(s)), 'is not a valid time')
  .transform((s) => sqlInstant(Date.parse(s)));

/** A positive integer given as text, at most `max`. */
export function countParam(max: number) {
  return z
    .string()
    .regex(/^\d{1,9}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be at least 1').max(max, `must be at most ${max}`));
}

/** Epoch milliseconds as `YYYY-MM-DD HH:MM:SS.mmm` (UTC), the form DATETIME(3) columns hold. */
export function sqlInstant(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** A DATETIME(3) text (UTC) as ISO 8601 with Z, for JSON answers. */
export function isoInstant(sql: string | null): string | null {
  return sql === null ? null : `${sql.replace(' ', 'T')}${sql.includes('.') ? '' : '.000'}Z`;
}

export function isCalendarDate(text: string): boolean {
  const [y, m, d] = text.split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

/** A comma-separated list, blanks dropped. */
export function listOf(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
