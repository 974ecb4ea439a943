import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The dependency direction of ARCHITECTURE.md, checked on the source: core/ depends on nothing,
 * adapters/ on core/, functions/ and agent/ on core/ and adapters/. local/ is test infrastructure and
 * may host the functions. core/ is pure: no SDK, no network, no file system, no env, no clock.
 */
const ROOT = resolve(import.meta.dirname, '..');
const LAYERS = ['core', 'adapters', 'functions', 'agent', 'local'] as const;
type Layer = (typeof LAYERS)[number];
const ALLOWED: Record<Layer, readonly Layer[]> = {
  core: ['core'],
  adapters: ['core', 'adapters'],
  functions: ['core', 'adapters', 'functions'],
  agent: ['core', 'adapters', 'agent'],
  local: ['core', 'adapters', 'functions', 'local'],
};
// zod is pure (no I/O, no clock): core describes its boundary inputs with it (core/schema.ts).
const CORE_BUILTINS = [
  'node:crypto',
  'node:buffer',
  'node:stream',
  'node:string_decoder',
  'node:util',
  'zod',
];

function sourceFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(source: string): string[] {
  const found: string[] = [];
  const pattern =
    /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of source.matchAll(pattern)) found.push((m[1] ?? m[2]) as string);
  return found;
}

function layerOf(path: string): Layer | undefined {
  const top = relative(ROOT, path).split('/')[0];
  return LAYERS.find((l) => l === top);
}

describe('architecture', () => {
  const files = LAYERS.flatMap((layer) => sourceFiles(join(ROOT, layer)).map((file) => ({ layer, file })));

  it('finds the layers', () => {
    expect(files.filter((f) => f.layer === 'core').length).toBeGreaterThan(5);
  });

  it('keeps every import inside the layers a layer may use', () => {
    const violations: string[] = [];
    for (const { layer, file } of files) {
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        if (spec.startsWith('.')) {
          const target = layerOf(resolve(dirname(file), spec));
          if (target === undefined || !ALLOWED[layer].includes(target)) {
            violations.push(`${relative(ROOT, file)} imports ${spec}`);
          }
        } else if (layer === 'core' && !CORE_BUILTINS.includes(spec)) {
          violations.push(`${relative(ROOT, file)} (core) imports ${spec}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('keeps core free of env reads, clocks, randomness and the network globals', () => {
    const impure =
      /process\.env|Date\.now\(|new Date\(\)|Math\.random\(|performance\.now\(|setTimeout\(|setInterval\(|\bfetch\(|\bWebSocket\b|\bXMLHttpRequest\b|\bEventSource\b/;
    const offenders = files
      .filter((f) => f.layer === 'core')
      .filter((f) => impure.test(readFileSync(f.file, 'utf8')))
      .map((f) => relative(ROOT, f.file));
    expect(offenders).toEqual([]);
  });

  it('would catch an SDK import in core (the checker itself works)', () => {
    expect(importsOf("import OSS from 'ali-oss';\nexport { x } from './y.js';")).toEqual([
      'ali-oss',
      './y.js',
    ]);
    expect(importsOf("const m = await import('mysql2/promise');")).toEqual(['mysql2/promise']);
  });
});
