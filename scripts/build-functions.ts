/**
 * Bundle every functions/<name>/index.ts into dist/functions/<name>/index.js: one CommonJS file with its
 * dependencies (esbuild, platform node, target node20) and a package.json saying so, which is what s.yaml's
 * `code: ./dist/functions/<name>` + `handler: index.handler` deploys to the nodejs20 runtime (https://help.aliyun.com/document_detail/156876.html).
 * `npm run build` runs it after tsc; the test setup and the demo call buildFunctions() directly.
 */

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

export interface BuiltFunction {
  name: string;
  outfile: string;
  bytes: number;
  /** the source map, kept outside the code package (dist/sourcemaps/<name>/index.js.map) */
  sourceMap: string;
}

export interface BuildOptions {
  /** the repository root (default: this script's parent directory) */
  root?: string;
  /** where the bundles go (default <root>/dist/functions) */
  outDir?: string;
  /** where their source maps go (default <root>/dist/sourcemaps): never into the code package s.yaml uploads */
  mapDir?: string;
  /** default true: a smaller package loads faster on a cold start (names are kept, a source map is written) */
  minify?: boolean;
}

const ROOT = resolve(import.meta.dirname, '..');

/** Bundle every function that has an index.ts; returns what was written. */
export async function buildFunctions(options: BuildOptions = {}): Promise<BuiltFunction[]> {
  const root = options.root ?? ROOT;
  const outRoot = options.outDir ?? join(root, 'dist', 'functions');
  const mapRoot = options.mapDir ?? join(root, 'dist', 'sourcemaps');
  const names = await functionNames(join(root, 'functions'));
  return Promise.all(names.map((name) => bundle(root, { outRoot, mapRoot }, name, options.minify ?? true)));
}

async function functionNames(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'index.ts')))
    .map((e) => e.name)
    .sort();
}

async function bundle(
  root: string,
  dirs: { outRoot: string; mapRoot: string },
  name: string,
  minify: boolean,
): Promise<BuiltFunction> {
  const outDir = join(dirs.outRoot, name);
  const outfile = join(outDir, 'index.js');
  const mapFile = join(dirs.mapRoot, name, 'index.js.map');
  const result = await build({
    entryPoints: [join(root, 'functions', name, 'index.ts')],
    outfile,
    write: false,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // The map (several MB with the sources in it) stays out of the code package: a smaller package starts
    // faster, and the sources are not shipped. `npm run stack` maps a logged stack trace back through it.
    sourcemap: 'external',
    minify,
    logLevel: 'warning',
    // Error stacks in the logs should name our functions, not a1/b2.
    keepNames: true,
    // Required only on paths Node 20 never takes: @alicloud/mns's ES5 build (its index.js picks lib/ when async
    // functions exist) and urllib's proxy support (only with an HTTP proxy configured, never in FC).
    external: ['babel-runtime/*', 'proxy-agent'],
    // One copy of iconv-lite, not two: urllib (under ali-oss) has its own 0.6 beside mysql2's 0.7, 0.5 MB of
    // code page tables twice, and Node reads, scans and compiles every byte of the bundle on a cold start. urllib
    // only calls iconv.decode(buffer, charset), the same in both (https://github.com/pillarjs/iconv-lite).
    alias: { 'iconv-lite': join(root, 'node_modules', 'iconv-lite') },
  });
  // The nodejs20 runtime loads index.js; this makes it CommonJS whatever a parent package.json says.
  const files = new Map<string, Buffer>();
  let map: Buffer | undefined;
  for (const f of result.outputFiles) {
    if (f.path.endsWith('.map')) map = Buffer.from(f.contents);
    else files.set(f.path, Buffer.from(f.contents));
  }
  files.set(join(outDir, 'package.json'), Buffer.from(`${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`));
  await publish(outDir, files);
  if (map !== undefined) await publish(dirname(mapFile), new Map([[mapFile, map]]));
  return { name, outfile, bytes: files.get(outfile)?.length ?? 0, sourceMap: mapFile };
}

/**
 * Make `dir` hold exactly `files`, each replaced atomically (write + rename): an FC instance starting while
 * another process rebuilds (a parallel test run) always finds a whole index.js. Anything else in the directory
 * goes: it is the code package s.yaml deploys, and tsc's ESM output of the same sources lands there too.
 */
async function publish(dir: string, files: Map<string, Buffer>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [path, bytes] of files) {
    const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temp, bytes);
    await rename(temp, path);
  }
  const keep = new Set([...files.keys()].map((p) => basename(p)));
  for (const entry of await readdir(dir)) {
    if (!keep.has(entry) && !entry.endsWith('.tmp'))
      await rm(join(dir, entry), { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const built = await buildFunctions({ minify: !process.argv.includes('--no-minify') });
  for (const f of built) console.log(`built ${f.name}: ${f.outfile} (${Math.round(f.bytes / 1024)} KiB)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(`build-functions failed: ${(error as Error).message}`);
    process.exitCode = 1;
  });
}
