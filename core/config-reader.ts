import { ConfigError, type Problem } from './errors.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** How to read one key: a parser that returns the value or a message saying what is wrong. */
export interface KeySpec<T> {
  required: boolean;
  default?: T;
  describe: string;
  parse: (raw: string) => { ok: T } | { error: string };
}

export type Specs<C> = { [K in keyof C]: KeySpec<C[K]> & { env: string } };

/** Read every key of `specs` from `env`; report every missing or invalid key at once (ConfigError). Pure. */
export function readConfig<C>(env: Env, specs: Specs<C>): C {
  const problems: Problem[] = [];
  const out: Partial<C> = {};
  for (const field of Object.keys(specs) as (keyof C)[]) {
    const spec = specs[field];
    const raw = env[spec.env]?.trim();
    if (raw === undefined || raw === '') {
      if (spec.required)
        problems.push({ code: 'CONFIG_MISSING', path: spec.env, message: `is required: ${spec.describe}` });
      else out[field] = spec.default as C[keyof C];
      continue;
    }
    const parsed = spec.parse(raw);
    if ('error' in parsed)
      problems.push({ code: 'CONFIG_INVALID', path: spec.env, message: parsed.error, value: raw });
    else out[field] = parsed.ok;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as C;
}

/** The environment variable names a spec set reads (what s.yaml must declare). */
export function envKeysOf<C>(specs: Specs<C>): string[] {
  return Object.values<{ env: string }>(specs as Record<string, { env: string }>).map((s) => s.env);
}

export function text(describe: string, required = true, fallback?: string): KeySpec<string> {
  return { required, default: fallback, describe, parse: (raw) => ({ ok: raw }) } as KeySpec<string>;
}

export function url(
  describe: string,
  protocols: readonly string[],
  required = false,
): KeySpec<string | undefined> {
  return {
    required,
    describe,
    parse: (raw) => {
      try {
        const u = new URL(raw);
        if (protocols.includes(u.protocol)) return { ok: raw };
      } catch {
        // reported below
      }
      return { error: `must be a ${protocols.join(' or ')}// URL` };
    },
  };
}

export function oneOf<T extends string>(describe: string, values: readonly T[], fallback: T): KeySpec<T> {
  return {
    required: false,
    default: fallback,
    describe,
    parse: (raw) =>
      values.includes(raw as T) ? { ok: raw as T } : { error: `must be one of ${values.join(', ')}` },
  };
}

export function integer(describe: string, min: number, max: number, fallback: number): KeySpec<number> {
  return {
    required: false,
    default: fallback,
    describe,
    parse: (raw) => {
      const n = Number(raw);
      return /^-?\d+$/.test(raw) && n >= min && n <= max
        ? { ok: n }
        : { error: `must be an integer in [${min}, ${max}]` };
    },
  };
}

export function boolean(describe: string, fallback: boolean): KeySpec<boolean> {
  return {
    required: false,
    default: fallback,
    describe,
    parse: (raw) => {
      if (['true', '1', 'yes'].includes(raw.toLowerCase())) return { ok: true };
      if (['false', '0', 'no'].includes(raw.toLowerCase())) return { ok: false };
      return { error: 'must be true or false' };
    },
  };
}
