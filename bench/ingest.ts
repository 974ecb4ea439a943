/**
 * Ingest benchmark (docs/ingest.md, "Performance"). End to end on the local stack — the bundled function in its
 * own FC instance process, the OSS trigger, MariaDB — for 5000 instruments × 158 factors × 20 days (100k rows):
 * rows/s as a ratio to a raw `LOAD DATA LOCAL INFILE` of the same uncompressed CSV into an identical table in
 * the same run (target ≥ 1.0, milestone 0.9: issue 14), with one-INSERT-per-row beside it; then the instance's peak RSS for a 250-day
 * batch (1.25M rows, target ≤ 200 MiB). Medians of QLIB_BENCH_RUNS (default 3). Prints figures, asserts nothing.
 * Run: npm run bench -- ingest   (MYSQL_URL as for the tests; QLIB_BENCH_SKIP_LONG=1 skips the 250-day batch)
 * The generated payloads are cached under .bench-data/ingest/ (gitignored).
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type OSS from 'ali-oss';
import { createOssClient } from '../adapters/object-store/client.js';
import { PAYLOAD_GZIP_LEVEL } from '../agent/build/payload-writer.js';
import { type LocalStack, startLocalStack } from '../local/stack.js';
import { buildFunctions } from '../scripts/build-functions.js';
import { createTestDatabase, type TestDatabase } from '../test/support/mysql.js';
import { rawLoadData, rowByRowInsert } from './ingest/baselines.js';
import { type IngestRun, ingestThroughStack, warmUp } from './ingest/e2e.js';
import { payloadFile } from './ingest/payload-file.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const CACHE = join(ROOT, '.bench-data', 'ingest');
const RUNS = Number(process.env.QLIB_BENCH_RUNS ?? 3);
const ROW_BY_ROW_SAMPLE = 5000;

/** Entry point for bench/main.ts. */
export async function run(): Promise<void> {
  await buildFunctions();
  const small = await payloadFile(CACHE, 5000, 20, true, PAYLOAD_GZIP_LEVEL);
  const db = await createTestDatabase('bench_ingest');
  try {
    console.log(
      `ingest: ${small.rows} rows × 158 float32 factors, payload ${mib(small.digest.bytes)} gz (${CACHE})`,
    );
    const e2e: IngestRun[] = [];
    const raw: number[] = [];
    await withStack(db, async (stack, client) => {
      await warmUp(stack);
      for (let i = 0; i < RUNS; i++) {
        e2e.push(await ingestThroughStack(stack, client, db.pool, small, `bench_e2e_${i}`));
        raw.push((await rawLoadData(db.pool, `bench_raw_${i}`, small.csv as string, small.columns)).ms);
      }
    });
    const rowByRow = await rowByRowInsert(
      db.pool,
      'bench_rows',
      small.csv as string,
      small.columns,
      ROW_BY_ROW_SAMPLE,
    );
    report(small.rows, e2e, raw, rowByRow);
    if (process.env.QLIB_BENCH_SKIP_LONG !== '1') await longBatch(db);
  } finally {
    await db.drop();
  }
}

function report(rows: number, e2e: IngestRun[], raw: number[], rowByRow: { ms: number; rows: number }): void {
  const ingestMs = median(e2e.map((r) => r.ms));
  const rawMs = median(raw);
  const pairs = e2e.map((r, i) => (raw[i] as number) / r.ms);
  const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
  const rowRate = rate(rowByRow.rows, rowByRow.ms);
  console.log(
    [
      `  end-to-end ingest (FC instance, LOAD DATA path): ${(ingestMs / 1000).toFixed(2)} s, ${rate(rows, ingestMs)} rows/s (median of ${e2e.length}; ${e2e.map((r) => r.status).join(', ')})`,
      `  raw LOAD DATA LOCAL INFILE of the same CSV:       ${(rawMs / 1000).toFixed(2)} s, ${rate(rows, rawMs)} rows/s`,
      `  → ratio ${(rawMs / ingestMs).toFixed(2)} (target ≥ 1.0, milestone 0.9)`,
      `  raw ÷ ingest run by run: ${pairs.map((r) => r.toFixed(2)).join(', ')} → median ${median(pairs).toFixed(2)}`,
      `  one INSERT per row (${rowByRow.rows} rows): ${rowRate} rows/s → ratio ${(rowRate / rate(rows, rawMs)).toFixed(2)} of raw LOAD DATA`,
      `  instance peak RSS for 100k rows: ${e2e.map((r) => r.maxRssMiB?.toFixed(0)).join(', ')} MiB`,
    ].join('\n'),
  );
}

/** 250 days in a fresh instance: its peak RSS is the batch's alone. */
async function longBatch(db: TestDatabase): Promise<void> {
  const big = await payloadFile(CACHE, 5000, 250, false, 1);
  await withStack(db, async (stack, client) => {
    await warmUp(stack);
    const r = await ingestThroughStack(stack, client, db.pool, big, 'bench_long');
    console.log(
      `  250 days: ${r.rows} rows (${r.status}) in ${(r.ms / 1000).toFixed(1)} s, ${Math.round((r.rows / r.ms) * 1000)} rows/s, ` +
        `payload ${mib(big.digest.bytes)} gz; instance peak RSS ${r.maxRssMiB?.toFixed(0)} MiB (target ≤ 200 MiB)`,
    );
  });
}

async function withStack(
  db: TestDatabase,
  work: (stack: LocalStack, client: OSS) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-ingest-'));
  const stack = await startLocalStack({
    stateDir: dir,
    mysqlUrl: db.url,
    env: { LOAD_MODE: 'load-data', LOG_LEVEL: 'warn' },
    retryDelaysMs: [1000],
    log: (line, fn) => {
      if (fn !== 'fc-runtime') process.stderr.write(`[${fn}] ${line}\n`);
    },
  });
  const client = createOssClient({
    bucket: stack.bucket,
    region: stack.region,
    endpoint: stack.oss.url,
    credentials: stack.credentials,
    timeoutMs: 30 * 60_000,
  });
  try {
    await work(stack, client);
  } finally {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
