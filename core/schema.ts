import * as z from 'zod';
import type { Problem } from './errors.js';

/**
 * Every boundary input (manifest, config, settings, API parameters, experiment lines, SLAs) is described by one
 * zod schema and read through here, so all of them report problems the same way: a code `<PREFIX>_<KIND>`, a
 * JSON path (`$.columns[2].type`), a message a person can act on, and the offending value (cut to 80 chars).
 *
 * KIND is REQUIRED, TYPE, UNKNOWN_FIELD (one problem per unknown field, at its own path), RANGE, FORMAT or
 * VALUE; a refinement names its own kind with `params: { kind: 'DATE_RANGE' }`, and a reader whose documented
 * codes predate this module maps kinds with `options.kinds` (e.g. `{ RANGE: 'VALUE' }`).
 */
export type SchemaResult<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

export interface CheckOptions {
  /** Rename kinds, e.g. `{ FORMAT: 'VALUE', RANGE: 'VALUE' }` for a reader that documents one code for both. */
  kinds?: Readonly<Record<string, string>>;
}

/** `formatVersion` of a v1 document: anything but 1 (absent too) is `<PREFIX>_VERSION`. */
export const formatVersionOne = z
  .unknown()
  .refine((v) => v === 1, {
    message: 'must be 1 (this reader knows format v1 only)',
    params: { kind: 'VERSION' },
  })
  .transform((): 1 => 1)
  .meta({ type: 'integer', const: 1 });

/** Check `input` against `schema`; every problem at once (never throws for bad input). */
export function checkWith<S extends z.ZodType>(
  schema: S,
  input: unknown,
  prefix: string,
  options: CheckOptions = {},
): SchemaResult<z.output<S>> {
  const parsed = schema.safeParse(input, { error: defaultMessage });
  if (parsed.success) return { ok: true, value: parsed.data };
  const problems = parsed.error.issues.flatMap((issue) => problemsOf(issue, input, prefix, options));
  return { ok: false, problems };
}

/** `$`, `$.a`, `$.a[2].b` — the path notation the rest of the project prints. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : `${out}.${String(key)}`),
    '$',
  );
}

function problemsOf(
  issue: z.core.$ZodIssue,
  input: unknown,
  prefix: string,
  options: CheckOptions,
): Problem[] {
  if (issue.code === 'unrecognized_keys') {
    const kind = options.kinds?.UNKNOWN_FIELD ?? 'UNKNOWN_FIELD';
    return issue.keys.map((key) => ({
      code: `${prefix}_${kind}`,
      path: jsonPath([...issue.path, key]),
      message: 'is not a field of this format',
    }));
  }
  const value = valueAt(input, issue.path);
  const missing = issue.code === 'invalid_type' && value === undefined;
  const kind = kindOf(issue, missing);
  const problem: Problem = {
    code: `${prefix}_${options.kinds?.[kind] ?? kind}`,
    path: jsonPath(issue.path),
    message: missing ? 'is required' : issue.message,
  };
  if (value !== undefined && typeof value !== 'object') problem.value = String(value).slice(0, 80);
  return [problem];
}

function kindOf(issue: z.core.$ZodIssue, missing: boolean): string {
  switch (issue.code) {
    case 'invalid_type':
      return missing ? 'REQUIRED' : 'TYPE';
    case 'too_big':
    case 'too_small':
      return 'RANGE';
    case 'invalid_format':
      return 'FORMAT';
    case 'custom': {
      const kind = (issue.params as { kind?: unknown } | undefined)?.kind;
      return typeof kind === 'string' ? kind : 'VALUE';
    }
    default:
      return 'VALUE';
  }
}

/** Messages for the issues a schema did not word itself: "must be a string", "must be one of a, b". */
function defaultMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'invalid_type') return `must be ${article(nameOf(issue.expected))}`;
  if (issue.code === 'invalid_value' && issue.values.length > 1)
    return `must be one of ${issue.values.map(String).join(', ')}`;
  if (issue.code === 'invalid_value') return `must be ${JSON.stringify(issue.values[0])}`;
  return undefined;
}

function nameOf(expected: string): string {
  return expected === 'int' ? 'integer' : expected;
}

function article(noun: string): string {
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let at: unknown = input;
  for (const key of path) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}
