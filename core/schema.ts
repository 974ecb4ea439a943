import type { z } from 'zod';
import type { Problem } from './errors.js';

/**
 * Every boundary input (manifest, config, settings, API parameters, experiment lines, SLAs) is described by one
 * zod schema and read through here, so all of them report problems the same way: a code `<PREFIX>_<KIND>`, a
 * JSON path (`$.columns[2].type`), a message a person can act on, and the offending value (cut to 80 chars).
 */
export type SchemaResult<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

/** Check `input` against `schema`; every problem at once (never throws for bad input). */
export function checkWith<S extends z.ZodType>(
  schema: S,
  input: unknown,
  prefix: string,
): SchemaResult<z.output<S>> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, problems: parsed.error.issues.map((issue) => problemOf(issue, input, prefix)) };
}

/** `$`, `$.a`, `$.a[2].b` — the path notation the rest of the project prints. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : `${out}.${String(key)}`),
    '$',
  );
}

function problemOf(issue: z.core.$ZodIssue, input: unknown, prefix: string): Problem {
  const value = valueAt(input, issue.path);
  const missing = issue.code === 'invalid_type' && value === undefined;
  const problem: Problem = {
    code: `${prefix}_${kindOf(issue, missing)}`,
    path: jsonPath(issue.path),
    message: missing ? 'is required' : messageOf(issue),
  };
  if (value !== undefined && typeof value !== 'object') problem.value = String(value).slice(0, 80);
  return problem;
}

function kindOf(issue: z.core.$ZodIssue, missing: boolean): string {
  switch (issue.code) {
    case 'invalid_type':
      return missing ? 'REQUIRED' : 'TYPE';
    case 'unrecognized_keys':
      return 'UNKNOWN_FIELD';
    case 'too_big':
    case 'too_small':
      return 'RANGE';
    case 'invalid_format':
      return 'FORMAT';
    default:
      return 'VALUE';
  }
}

function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `has fields this format does not know: ${issue.keys.join(', ')}`;
  return issue.message;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let at: unknown = input;
  for (const key of path) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}
