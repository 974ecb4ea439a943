import * as z from 'zod';
import { ConfigError, type Problem } from './errors.js';
import { checkWith } from './schema.js';
import { isTimeZone } from './zoned-time.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** How to read one key: a zod schema over the raw (trimmed, non-empty) string that yields the value. */
export interface KeySpec<T> {
  required: boolean;
  default?: T;
  describe: string;
  schema: z.ZodType<T, string>;
}

export type Specs<C> = { [K in keyof C]: KeySpec<C[K]> & { env: string } };

/** Every kind of problem with a present value is CONFIG_INVALID; an absent required key is CONFIG_MISSING. */
const KINDS = { REQUIRED: 'MISSING', TYPE: 'INVALID', FORMAT: 'INVALID', RANGE: 'INVALID', VALUE: 'INVALID' };

/**
 * Read every key of `specs` from `env` through one zod schema (core/schema.ts checkWith); report every missing
 * or invalid key at once (ConfigError, each problem's path the variable's name). Pure.
 */
export function readConfig<C>(env: Env, specs: Specs<C>): C {
  const fields = Object.keys(specs) as (keyof C)[];
  const shape: Record<string, z.ZodType> = {};
  const input: Record<string, string | undefined> = {};
  for (const field of fields) {
    const spec = specs[field];
    shape[spec.env] = spec.required ? spec.schema : spec.schema.optional();
    const raw = env[spec.env]?.trim();
    input[spec.env] = raw === '' ? undefined : raw;
  }
  const checked = checkWith(z.object(shape), input, 'CONFIG', { kinds: KINDS });
  if (!checked.ok) throw new ConfigError(checked.problems.map((p) => named(p, specs, fields)));
  const values = checked.value as Record<string, unknown>;
  const out: Partial<C> = {};
  for (const field of fields) {
    const spec = specs[field];
    out[field] = (values[spec.env] ?? spec.default) as C[keyof C];
  }
  return out as C;
}

/** `$.LEASE_SECONDS` → `LEASE_SECONDS`; a missing key says what it is for. */
function named<C>(p: Problem, specs: Specs<C>, fields: (keyof C)[]): Problem {
  const env = (p.path ?? '$').replace(/^\$\.?/, '');
  if (p.code !== 'CONFIG_MISSING') return { ...p, path: env };
  const spec = fields.map((f) => specs[f]).find((s) => s.env === env);
  return { ...p, path: env, message: `is required: ${spec?.describe ?? env}` };
}

/** The environment variable names a spec set reads (what s.yaml must declare). */
export function envKeysOf<C>(specs: Specs<C>): string[] {
  return Object.values<{ env: string }>(specs as Record<string, { env: string }>).map((s) => s.env);
}

export function text(describe: string, required = true, fallback?: string): KeySpec<string> {
  return { required, default: fallback, describe, schema: z.string() } as KeySpec<string>;
}

export function url(
  describe: string,
  protocols: readonly string[],
  required = false,
): KeySpec<string | undefined> {
  const schema = z.string().refine(
    (raw) => {
      try {
        return protocols.includes(new URL(raw).protocol);
      } catch {
        return false;
      }
    },
    `must be a ${protocols.join(' or ')}// URL`,
  );
  return { required, describe, schema };
}

export function oneOf<T extends string>(describe: string, values: readonly T[], fallback: T): KeySpec<T> {
  const schema = z.string().refine((raw) => values.includes(raw as T), `must be one of ${values.join(', ')}`);
  return { required: false, default: fallback, describe, schema: schema as unknown as z.ZodType<T, string> };
}

export function integer(describe: string, min: number, max: number, fallback: number): KeySpec<number> {
  const schema = z
    .string()
    .refine(
      (raw) => /^-?\d+$/.test(raw) && Number(raw) >= min && Number(raw) <= max,
      `must be an integer in [${min}, ${max}]`,
    )
    .transform(Number);
  return { required: false, default: fallback, describe, schema };
}

const TRUE = ['true', '1', 'yes'];
const FALSE = ['false', '0', 'no'];

export function boolean(describe: string, fallback: boolean): KeySpec<boolean> {
  const schema = z
    .string()
    .refine((raw) => [...TRUE, ...FALSE].includes(raw.toLowerCase()), 'must be true or false')
    .transform((raw) => TRUE.includes(raw.toLowerCase()));
  return { required: false, default: fallback, describe, schema };
}

/** An IANA time zone name (Asia/Shanghai, UTC) that Intl knows. */
export function timeZone(describe: string, fallback: string): KeySpec<string> {
  const schema = z.string().refine(isTimeZone, 'must be an IANA time zone, e.g. Asia/Shanghai');
  return { required: false, default: fallback, describe, schema };
}
