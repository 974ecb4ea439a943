/**
 * Where an ingest's time goes (docs/ingest.md, "Where the time goes"): the ingest hot path taken apart, in this
 * process, on the ingest bench's 100k-row payload (5000 instruments × 158 float32 factors × 20 days). Each stage
 * adds one step to the one before, so the differences are what each step costs:
 *   gunzip                  the payload file → gunzip, bytes dropped
 *   + parse                 → CsvRowParser.forMysql (split, decode, validate every field), rows dropped
 *   + rules                 → the quality rules (BatchInspector) and the drift profile (ProfileBuilder)
 *   full hot path           streamPayload: hasher + gunzip + RowFeeder + LOAD DATA LOCAL INFILE into MariaDB
 *   raw LOAD DATA           the uncompressed CSV from disk, nothing else (the ingest bench's yardstick)
 * Every figure is the median of QLIB_BENCH_RUNS (default 5) runs interleaved with the others, so a busy machine
 * slows them all alike; read the ratios, not the seconds. For a CPU profile of the same work:
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/ingest-stages.ts
 * Run: npm run bench -- ingest-stages   (MYSQL_URL as for the tests)
 */

import { createReadStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createGunzip } from 'node:zlib';
import { ensureFactorTables } from '../adapters/warehouse/factor-tables.js';
import { LoadDataSink } from '../adapters/warehouse/load-data-sink.js';
import { factorTarget } from '../adapters/warehouse/row-sink.js';
import { PAYLOAD_GZIP_LEVEL } from '../agent/build/payload-writer.js';
import { CsvRowParser, csvHeader } from '../core/csv/index.js';
import { ProfileBuilder } from '../core/drift/profile.js';
import type { ManifestV1 } from '../core/manifest.js';
import { BatchInspector } from '../core/quality/inspector.js';
import { DEFAULT_POLICY } from '../core/quality/policy.js';
import type { Inspection } from '../functions/ingest/inspection.js';
import { streamPayload } from '../functions/ingest/payload-stream.js';
import { createTestDatabase, type TestDatabase } from '../test/support/mysql.js';
import { rawLoadData } from './ingest/baselines.js';
import { type PayloadFile, payloadFile } from './ingest/payload-file.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const CACHE = join(ROOT, '.bench-data', 'ingest');
const RUNS = Number(process.env.QLIB_BENCH_RUNS ?? 5);
const CHUNK = 256 * 1024;

type Stage = 'gunzip' | 'parse' | 'rules' | 'full' | 'raw';
/** CPU seconds (user + system, this process and zlib's threads) of the `rules` stage: contention moves it little. */
const cpuOfRules: number[] = [];
const STAGES: Stage[] = ['gunzip', 'parse', 'rules', 'full', 'raw'];

/** Entry point for bench/main.ts. */
export async function run(): Promise<void> {
  const payload = await payloadFile(CACHE, 5000, 20, true, PAYLOAD_GZIP_LEVEL);
  const db = await createTestDatabase('bench_stages');
  try {
    const times: Record<Stage, number[]> = { gunzip: [], parse: [], rules: [], full: [], raw: [] };
    for (let i = 0; i < RUNS; i++) {
      times.gunzip.push(await timeGunzip(payload));
      times.parse.push(await timeParse(payload, false));
      times.rules.push(await timeParse(payload, true));
      times.full.push(await timeFull(db, payload, `stages_full_${i}`));
      times.raw.push(
        (await rawLoadData(db.pool, `stages_raw_${i}`, payload.csv as string, payload.columns)).ms,
      );
      await dropTables(db, [`stages_full_${i}`, `stages_raw_${i}`]);
    }
    report(payload, times);
  } finally {
    await db.drop();
  }
}

function report(payload: PayloadFile, times: Record<Stage, number[]>): void {
  const m = Object.fromEntries(STAGES.map((s) => [s, median(times[s])])) as Record<Stage, number>;
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const share = (ms: number) => `${((ms / m.full) * 100).toFixed(0)} %`;
  const mysql = m.full - m.rules;
  console.log(
    [
      `ingest hot path in one process: ${payload.rows} rows × 158 float32, medians of ${RUNS} (interleaved)`,
      `  gunzip alone                         ${s(m.gunzip)}  ${share(m.gunzip)} of the full path`,
      `  + parse and validate (CsvRowParser)  ${s(m.parse)}  parse ${s(m.parse - m.gunzip)} (${share(m.parse - m.gunzip)})`,
      `  + quality rules and drift profile    ${s(m.rules)}  rules ${s(m.rules - m.parse)} (${share(m.rules - m.parse)})`,
      `  full path into LOAD DATA (+ digest)  ${s(m.full)}  feeding MySQL and waiting on it ${s(mysql)} (${share(mysql)})`,
      `  raw LOAD DATA of the CSV file        ${s(m.raw)}  → full path ÷ raw ${(m.full / m.raw).toFixed(2)}, raw ÷ full ${(m.raw / m.full).toFixed(2)}`,
      `  CPU of gunzip + parse + rules        ${median(cpuOfRules).toFixed(2)} s (user + system, median; moves little with the machine's load)`,
    ].join('\n'),
  );
}

async function timeGunzip(payload: PayloadFile): Promise<number> {
  const started = performance.now();
  await pipeline(
    createReadStream(payload.gz, { highWaterMark: CHUNK }),
    createGunzip({ chunkSize: CHUNK }),
    drop(),
  );
  return performance.now() - started;
}

async function timeParse(payload: PayloadFile, rules: boolean): Promise<number> {
  const inspection = inspectionFor(payload);
  // The parser ingest runs (functions/ingest/row-feeder.ts).
  const parser = CsvRowParser.forMysql({ layout: inspection.layout, inf: inspection.policy.inf });
  if (rules) {
    parser.onRow = (row) => {
      inspection.inspector.row(row, row.infinities);
      inspection.profile?.observe(row.date, row.values);
    };
  }
  const started = performance.now();
  const cpu = process.cpuUsage();
  await pipeline(
    createReadStream(payload.gz, { highWaterMark: CHUNK }),
    createGunzip({ chunkSize: CHUNK }),
    drop((chunk) => parser.push(chunk)),
  );
  parser.end();
  const used = process.cpuUsage(cpu);
  if (rules) cpuOfRules.push((used.user + used.system) / 1e6);
  if (rules && inspection.inspector.finish().blocked) throw new Error('the bench payload was blocked');
  return performance.now() - started;
}

async function timeFull(db: TestDatabase, payload: PayloadFile, dataset: string): Promise<number> {
  const manifest = manifestFor(payload, dataset);
  const conn = await db.pool.getConnection();
  try {
    await ensureFactorTables(conn, dataset, payload.columns);
    const inspection = inspectionFor(payload);
    const started = performance.now();
    await conn.query('START TRANSACTION');
    const target = factorTarget(dataset, manifest.batchId, payload.columns);
    const sink = await LoadDataSink.open(
      conn,
      target,
      csvHeader({ kind: 'factors', columns: payload.columns }),
    );
    if (sink === undefined) throw new Error('the server refused LOAD DATA LOCAL INFILE');
    const source = createReadStream(payload.gz, { highWaterMark: CHUNK });
    const streamed = await streamPayload(source, manifest, inspection, sink, Number.MAX_SAFE_INTEGER);
    const taken = await sink.end();
    const report = inspection.inspector.finish();
    if (report.blocked || streamed.sinkStopped !== undefined || taken !== payload.rows) {
      throw new Error(`the bench payload did not load: ${taken} rows, ${streamed.sinkStopped ?? ''}`);
    }
    await conn.query('COMMIT');
    return performance.now() - started;
  } finally {
    conn.release();
  }
}

function inspectionFor(payload: PayloadFile): Inspection {
  const manifest = manifestFor(payload, 'stages');
  const policy = DEFAULT_POLICY;
  return {
    layout: { kind: 'factors', columns: payload.columns },
    policy,
    inspector: new BatchInspector(manifest, policy, {}),
    profile: new ProfileBuilder(payload.columns.map((c) => c.name)),
  };
}

function manifestFor(payload: PayloadFile, dataset: string): ManifestV1 {
  return {
    formatVersion: 1,
    kind: 'factors',
    dataset,
    batchId: '20260101T000000000Z-000000000000',
    frequency: 'day',
    dateRange: { start: payload.dates[0] as string, end: payload.dates[payload.dates.length - 1] as string },
    columns: payload.columns,
    rowCount: payload.rows,
    payload: { key: 'bench', format: 'csv', compression: 'gzip', ...payload.digest },
    producer: { host: 'bench', agentVersion: '0.0.0-bench', sourcePath: payload.gz },
    createdAt: new Date().toISOString(),
  };
}

function drop(each?: (chunk: Buffer) => void): Writable {
  return new Writable({
    highWaterMark: CHUNK,
    write(chunk: Buffer, _encoding, done) {
      each?.(chunk);
      done();
    },
  });
}

async function dropTables(db: TestDatabase, datasets: string[]): Promise<void> {
  for (const d of datasets) {
    const [rows] = await db.pool.query<import('mysql2/promise').RowDataPacket[]>(
      'SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE ?',
      [`f\\_${d}%`],
    );
    for (const r of rows) await db.pool.query(`DROP TABLE \`${String(r.t)}\``);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
