import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importsOfFile, sourceFiles } from './support/import-graph.js';

/**
 * The layers depend one way only, checked on the import graph a real parser reads from the source
 * (test/support/import-graph.ts): core/ depends on nothing, adapters/ on core/, functions/ and agent/ on core/
 * and adapters/. local/ is test infrastructure and may host the functions. core/ is pure: no SDK, no network,
 * no file system, no env, no clock. Every file counts (.ts, .mjs, .cjs, worker entry points), and every form of
 * import: static, type-only, side-effect, export-from, dynamic, require, createRequire, `new URL(…,
 * import.meta.url)`.
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
/**
 * Imports whose target is computed at run time, which no graph can follow; each is here on purpose.
 * local/fc/worker.mjs: the FC runtime's instance loads the handler module s.yaml names, as FC does.
 */
const KNOWN_OPAQUE = ['local/fc/worker.mjs dynamic-import'];

/** Every import of every file under `root`'s layers that leaves the layers its layer may use. */
function violations(root: string): { violations: string[]; opaque: string[]; errors: string[] } {
  const out = { violations: [] as string[], opaque: [] as string[], errors: [] as string[] };
  for (const layer of LAYERS) {
    for (const file of sourceFiles(join(root, layer))) {
      const name = relative(root, file);
      const found = importsOfFile(file);
      out.errors.push(...found.errors.map((e) => `${name}: ${e}`));
      out.opaque.push(...found.opaque.map((o) => `${name} ${o.kind}`));
      for (const edge of found.edges) {
        const where = `${name}:${edge.line} ${edge.kind} ${edge.specifier}`;
        if (edge.specifier.startsWith('.')) {
          const target = layerOf(root, resolve(dirname(file), edge.specifier));
          if (target === undefined || !ALLOWED[layer].includes(target)) out.violations.push(where);
        } else if (layer === 'core' && !CORE_BUILTINS.includes(edge.specifier)) {
          out.violations.push(`${where} (core imports only ${CORE_BUILTINS.join(', ')})`);
        }
      }
    }
  }
  return out;
}

function layerOf(root: string, path: string): Layer | undefined {
  const top = relative(root, path).split('/')[0];
  return LAYERS.find((l) => l === top);
}

describe('architecture', () => {
  it('finds the layers, .mjs worker entry points included', () => {
    const files = LAYERS.flatMap((layer) => sourceFiles(join(ROOT, layer))).map((f) => relative(ROOT, f));
    expect(files.filter((f) => f.startsWith('core/')).length).toBeGreaterThan(5);
    expect(files).toEqual(
      expect.arrayContaining(['agent/sources/bin-reader-worker.mjs', 'local/fc/worker.mjs']),
    );
  });

  it('keeps every import inside the layers a layer may use, and knows every computed import', () => {
    const found = violations(ROOT);
    expect(found.errors).toEqual([]);
    expect(found.violations).toEqual([]);
    expect(found.opaque.sort()).toEqual([...KNOWN_OPAQUE].sort());
  });

  it('sees the worker entry points as edges of the files that start them', () => {
    const pool = importsOfFile(join(ROOT, 'agent/sources/bin-reader-pool.ts'));
    expect(pool.edges).toContainEqual(
      expect.objectContaining({ kind: 'url', specifier: './bin-reader-worker.mjs' }),
    );
    const instance = importsOfFile(join(ROOT, 'local/fc/instance.ts'));
    expect(instance.edges).toContainEqual(
      expect.objectContaining({ kind: 'url', specifier: './worker.mjs' }),
    );
  });

  it('keeps core free of env reads, clocks, randomness and the network globals', () => {
    const impure =
      /process\.env|Date\.now\(|new Date\(\)|Math\.random\(|performance\.now\(|setTimeout\(|setInterval\(|\bfetch\(|\bWebSocket\b|\bXMLHttpRequest\b|\bEventSource\b/;
    const offenders = sourceFiles(join(ROOT, 'core'))
      .filter((file) => impure.test(readFileSync(file, 'utf8')))
      .map((file) => relative(ROOT, file));
    expect(offenders).toEqual([]);
  });
});

describe('architecture check: every import form is caught (fixture tree)', () => {
  /** One core/ file per import form, each reaching into adapters/, which core may not use. */
  const FORMS: Record<string, string> = {
    'core/static.ts': "import { x } from '../adapters/store.js';\nexport const y = x;\n",
    'core/type-only.ts': "import type { X } from '../adapters/store.js';\nexport type Y = X;\n",
    'core/side-effect.ts': "import '../adapters/store.js';\n",
    'core/export-from.ts': "export { x } from '../adapters/store.js';\n",
    'core/dynamic.ts': "export const load = () => import('../adapters/store.js');\n",
    'core/create-require.ts':
      "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\nexport const x = require('../adapters/store.cjs');\n",
    'core/worker-entry.ts':
      "import { Worker } from 'node:worker_threads';\nexport const w = () => new Worker(new URL('../adapters/worker.mjs', import.meta.url));\n",
    'core/module.mjs': "import { x } from '../adapters/store.js';\nexport default x;\n",
    'core/script.cjs': "module.exports = require('../adapters/store.cjs');\n",
    'adapters/store.ts': 'export const x = 1;\nexport type X = number;\n',
    'functions/ok.ts': "import { x } from '../adapters/store.js';\nexport const y = x;\n",
  };

  it('reports each form, by file, line and kind (and allows what a layer may use)', () => {
    const root = mkdtempSync(join(tmpdir(), 'architecture-'));
    try {
      for (const [path, text] of Object.entries(FORMS)) {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), text);
      }
      const found = violations(root);
      expect(found.errors).toEqual([]);
      expect(found.violations.sort()).toEqual(
        [
          'core/static.ts:1 import ../adapters/store.js',
          'core/type-only.ts:1 import-type ../adapters/store.js',
          'core/side-effect.ts:1 side-effect ../adapters/store.js',
          'core/export-from.ts:1 export-from ../adapters/store.js',
          'core/dynamic.ts:1 dynamic-import ../adapters/store.js',
          'core/create-require.ts:1 import node:module (core imports only node:crypto, node:buffer, node:stream, node:string_decoder, node:util, zod)',
          'core/create-require.ts:3 create-require ../adapters/store.cjs',
          'core/worker-entry.ts:1 import node:worker_threads (core imports only node:crypto, node:buffer, node:stream, node:string_decoder, node:util, zod)',
          'core/worker-entry.ts:2 url ../adapters/worker.mjs',
          'core/module.mjs:1 import ../adapters/store.js',
          'core/script.cjs:1 require ../adapters/store.cjs',
        ].sort(),
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('reports an import whose target is computed at run time', () => {
    const root = mkdtempSync(join(tmpdir(), 'architecture-'));
    try {
      mkdirSync(join(root, 'agent'));
      writeFileSync(
        join(root, 'agent', 'plugin.ts'),
        'export const load = (name: string) => import(name);\n',
      );
      expect(violations(root).opaque).toEqual(['agent/plugin.ts dynamic-import']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
