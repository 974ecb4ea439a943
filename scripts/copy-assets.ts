/**
 * tsc compiles .ts only; the plain-JS worker entries (agent/sources/bin-reader-worker.mjs, local/fc/worker.mjs)
 * must sit beside their compiled callers in dist/ too. `npm run build` runs this after tsc.
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

function* assets(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* assets(path);
    else if (entry.name.endsWith('.mjs')) yield path;
  }
}

for (const layer of ['agent', 'local']) {
  for (const source of assets(join(ROOT, layer))) {
    const target = join(ROOT, 'dist', relative(ROOT, source));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(source, target);
    console.log(`copied ${relative(ROOT, source)} → ${relative(ROOT, target)}`);
  }
}
