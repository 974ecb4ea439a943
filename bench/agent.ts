/**
 * Batch-building benchmark of the agent: a generated qlib directory of 5000 instruments × 158 fields
 * (Alpha158 names), built into a canonical payload for 1 day and for 250 days. Prints wall time as a ratio
 * to `gzip -6` of the same CSV bytes (measured in the same run) and the build's peak RSS, measured in a
 * child process. Targets: ratio ≤ 1.5, peak RSS ≤ 200 MiB for 250 days. Asserts nothing.
 * Run: npm run bench, or npx tsx bench/agent.ts [instruments] [days]
 * The generated directory is cached under .bench-data/ (gitignored).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { buildPayload } from '../agent/build/batch-builder.js';
import { defaultReaders } from '../agent/sources/bin-reader-pool.js';
import { openProviderSource } from '../agent/sources/provider-source.js';
import { DEFAULT_POLICY } from '../core/quality/policy.js';
import { ALPHA158_FIELDS, generateQlibDir } from '../test/support/qlib-fixture.js';
import { rawReadMs } from './agent-raw-read.mjs';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const CACHE = join(ROOT, '.bench-data');
const RUNS = Number(process.env.QLIB_BENCH_RUNS ?? 3);

interface BuildFigures {
  ms: number;
  rows: number;
  csvBytes: number;
  gzBytes: number;
  maxRssMiB: number;
  payload: string;
}

/** Entry point for bench/main.ts. */
export async function run(instruments = 5000, days = 250): Promise<void> {
  const dir = fixtureDir(instruments, days);
  const calendarEnd = lastDate(dir);
  console.log(
    `agent batch build: ${instruments} instruments × ${ALPHA158_FIELDS.length} fields, qlib dir ${dir}`,
  );
  // QLIB_BENCH_SKIP_LONG=1: the one-day build only (the 250-day one takes minutes).
  for (const span of process.env.QLIB_BENCH_SKIP_LONG === '1' ? [1] : [1, days]) {
    const runs = span === 1 ? RUNS : Math.max(1, Number(process.env.QLIB_BENCH_LONG_RUNS ?? 1));
    const start = span === 1 ? calendarEnd : undefined;
    // A first build names the files the floor reads; then floor and build alternate run by run, so a change
    // in the machine's load falls on both. The first one-day build only warms the caches; a long build is
    // too slow to run twice, so its first counts.
    const first = buildInChild(dir, start);
    const csv = join(CACHE, `csv-${instruments}x${days}-${span}d.csv`);
    if (!existsSync(csv)) execFileSync('sh', ['-c', `gzip -dc '${first.payload}' > '${csv}'`]);
    const dirs = instrumentDirs(dir, csv);
    const fields = ALPHA158_FIELDS.map((f) => f.toLowerCase());
    const rawMs: number[] = [];
    const builds: BuildFigures[] = span === 1 ? [] : [first];
    if (span === 1) rmSync(first.payload, { force: true });
    for (let i = 0; i < runs; i++) {
      rawMs.push(await rawReadMs(dirs, fields, defaultReaders()));
      if (span === 1 || i > 0) builds.push(buildInChild(dir, start));
    }
    for (const b of builds) rmSync(b.payload, { force: true });
    const gzipMs = median(Array.from({ length: runs }, () => timeGzip(csv)));
    const raw = median(rawMs);
    const pairs = builds.map((b, i) => b.ms / (rawMs[i] as number));
    const build = builds.sort((a, b) => a.ms - b.ms)[Math.floor(builds.length / 2)] as BuildFigures;
    const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    console.log(
      [
        `  ${span} day(s): ${build.rows} rows, CSV ${mib(build.csvBytes)} → gz ${mib(build.gzBytes)}`,
        `    build ${s(build.ms)} (median of ${runs}), gzip -6 ${s(gzipMs)} → ratio ${(build.ms / gzipMs).toFixed(2)} (target ≤ 1.5)`,
        `    open+read+close of the same ${dirs.length * fields.length} feature files on ${defaultReaders()} threads ${s(raw)} → build ÷ raw read ${(build.ms / raw).toFixed(2)} (target ≤ 1.2 for 1 day)`,
        `    build ÷ raw read run by run: ${pairs.map((r) => r.toFixed(2)).join(', ')} → median ${median(pairs).toFixed(2)}`,
        `    peak RSS ${build.maxRssMiB.toFixed(0)} MiB (target ≤ 200 MiB for 250 days)`,
      ].join('\n'),
    );
  }
}

export function fixtureDir(instruments: number, days: number): string {
  const dir = join(CACHE, `qlib-${instruments}x158-${days}d`);
  if (existsSync(join(dir, '.complete'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  console.log(`generating ${dir} (once; cached)…`);
  const t = performance.now();
  generateQlibDir({
    root: dir,
    days,
    instruments,
    fields: ALPHA158_FIELDS,
    seed: 158,
    realistic: false,
    upperCaseRate: 0,
  });
  writeFileSync(join(dir, '.complete'), '');
  console.log(`  generated in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  return dir;
}

/** The feature directories of the instruments a built batch holds (its CSV's second column). */
function instrumentDirs(dir: string, csv: string): string[] {
  const list = execFileSync('sh', ['-c', `tail -n +2 '${csv}' | cut -d, -f2 | uniq | sort -u`], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  return list
    .split('\n')
    .filter((symbol) => symbol !== '')
    .map((symbol) => join(dir, 'features', symbol.toLowerCase()));
}

function lastDate(dir: string): string {
  const text = execFileSync('tail', ['-n', '1', join(dir, 'calendars', 'day.txt')], { encoding: 'utf8' });
  return text.trim();
}

/**
 * One build in a fresh process, so its peak RSS is the build's own. The child runs an esbuild bundle on
 * plain node, as the compiled CLI does: the tsx loader alone would add ~40 MiB to the figure.
 */
function buildInChild(dir: string, start: string | undefined): BuildFigures {
  // Under node_modules/.cache: packages still resolve from there, and biome does not lint it.
  const bundle = join(ROOT, 'node_modules', '.cache', 'qlib-sync-bench', 'agent-bench.mjs');
  buildSync({
    entryPoints: [fileURLToPath(import.meta.url)],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  // The reader threads' entry and what it imports are plain JS loaded beside their caller
  // (agent/sources/bin-reader-pool.ts), as scripts/copy-assets.ts places them in dist/.
  const sources = join(ROOT, 'agent', 'sources');
  for (const name of readdirSync(sources).filter((n) => n.endsWith('.mjs'))) {
    copyFileSync(join(sources, name), join(dirname(bundle), name));
  }
  const args = [bundle, '--child', dir, ...(start ? [start] : [])];
  const child = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (child.status !== 0) throw new Error(`build failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as BuildFigures;
}

function timeGzip(csv: string): number {
  const t = performance.now();
  execFileSync('sh', ['-c', `gzip -6 -c '${csv}' > /dev/null`]);
  return performance.now() - t;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Child mode: build once (no upload) and print the figures as JSON. */
async function child(dir: string, start: string | undefined): Promise<void> {
  const spool = join(CACHE, 'spool');
  mkdirSync(spool, { recursive: true });
  const t = performance.now();
  const source = openProviderSource({
    root: dir,
    dataset: 'bench',
    fields: [...ALPHA158_FIELDS],
    selection: { market: 'all' },
    ...(start ? { start } : {}),
  });
  const built = await buildPayload(source, { spoolDir: spool, policy: DEFAULT_POLICY });
  const figures: BuildFigures = {
    ms: performance.now() - t,
    rows: built.rowCount,
    csvBytes: built.csvBytes,
    gzBytes: statSync(built.path).size,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    payload: built.path,
  };
  console.log(JSON.stringify(figures));
}

const [, entry, mode, ...rest] = process.argv;
if (entry !== undefined && resolve(entry) === fileURLToPath(import.meta.url)) {
  if (mode === '--child') await child(rest[0] as string, rest[1]);
  else await run(Number(mode ?? 5000), Number(rest[0] ?? 250));
}
