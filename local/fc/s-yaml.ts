import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { TerminalError } from '../../core/errors.js';

/**
 * Read s.yaml (Serverless Devs edition 3) and resolve the interpolations our file uses, the way `s` does:
 *   ${env('NAME')} / ${env('NAME', 'default')}   an environment variable (missing without default: error)
 *   ${vars.a.b}                                  a value from `vars` (objects too, when it is the whole value)
 *   ${config('AccountID')}                       a value of the credential config (AccountID, AccessKeyID …)
 * A value that is exactly one ${…} takes the referenced value as is (an object stays an object);
 * ${…} inside a longer string is replaced by its text.
 */
export interface ResolveContext {
  env: Readonly<Record<string, string | undefined>>;
  config: Readonly<Record<string, string>>;
}

export interface SYaml {
  edition: string;
  name: string;
  access?: string;
  vars: Record<string, unknown>;
  resources: Record<string, { component: string; props: Record<string, unknown> }>;
}

const EXPR = /\$\{\s*([^}]+?)\s*\}/g;
const WHOLE = /^\$\{\s*([^}]+?)\s*\}$/;

/** Load and resolve an s.yaml file. */
export async function loadSYaml(path: string, context: ResolveContext): Promise<SYaml> {
  return resolveSYaml(parse(await readFile(path, 'utf8')) as unknown, context);
}

/** Resolve a parsed s.yaml document: vars first (they may use env and config), then everything else. */
export function resolveSYaml(doc: unknown, context: ResolveContext): SYaml {
  if (typeof doc !== 'object' || doc === null) throw invalid('the document is not a mapping');
  const raw = doc as Record<string, unknown>;
  const vars = resolveValue(raw.vars ?? {}, context, {}, 'vars') as Record<string, unknown>;
  const resolved = resolveValue({ ...raw, vars: {} }, context, vars, '') as Record<string, unknown>;
  if (typeof resolved.resources !== 'object' || resolved.resources === null)
    throw invalid('resources is missing');
  return { ...(resolved as unknown as SYaml), vars };
}

function resolveValue(
  value: unknown,
  ctx: ResolveContext,
  vars: Record<string, unknown>,
  path: string,
): unknown {
  if (typeof value === 'string') return resolveString(value, ctx, vars, path);
  if (Array.isArray(value)) return value.map((v, i) => resolveValue(v, ctx, vars, `${path}[${i}]`));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveValue(v, ctx, vars, path ? `${path}.${k}` : k)]),
    );
  }
  return value;
}

function resolveString(
  text: string,
  ctx: ResolveContext,
  vars: Record<string, unknown>,
  path: string,
): unknown {
  const whole = WHOLE.exec(text);
  if (whole) return evaluate(whole[1] as string, ctx, vars, path);
  return text.replace(EXPR, (_, expr: string) => {
    const v = evaluate(expr, ctx, vars, path);
    if (typeof v === 'object') throw invalid(`${path}: \${${expr}} is an object inside a string`);
    return String(v);
  });
}

function evaluate(expr: string, ctx: ResolveContext, vars: Record<string, unknown>, path: string): unknown {
  const call = /^(env|config)\(\s*(['"])([^'"]+)\2\s*(?:,\s*(['"])(.*?)\4\s*)?\)$/.exec(expr);
  if (call) {
    const [, fn, , name, , fallback] = call as unknown as [
      string,
      string,
      string,
      string,
      string,
      string | undefined,
    ];
    const found = fn === 'env' ? ctx.env[name] : ctx.config[name];
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    throw invalid(`${path}: ${fn}('${name}') is not set and has no default`);
  }
  if (expr.startsWith('vars.')) {
    let cur: unknown = vars;
    for (const part of expr.slice(5).split('.')) {
      cur = typeof cur === 'object' && cur !== null ? (cur as Record<string, unknown>)[part] : undefined;
    }
    if (cur === undefined) throw invalid(`${path}: \${${expr}} is not defined in vars`);
    return cur;
  }
  throw invalid(`${path}: unsupported expression \${${expr}}`);
}

function invalid(why: string): TerminalError {
  return new TerminalError('S_YAML_INVALID', `s.yaml: ${why}`);
}
