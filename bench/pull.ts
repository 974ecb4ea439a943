/**
 * `qlib-sync pull` benchmark (docs/pull.md, "Performance"). Figures, no assertions.
 *  1. Full pull: 250 days × 300 instruments × 158 float32 fields (75,000 rows, loaded through the real ingest
 *     path) from the API through the FC HTTP trigger into an empty provider directory, in seconds and MiB/s of
 *     .bin files written, as a ratio to a plain mysql2 SELECT of the same rows written to the same files
 *     (same encoder, same fsync per file) in the same run.
 *  2. Daily incremental pull: one more day loaded, then pulled into the full copy.
 * Run: npm run bench -- pull   (MYSQL_URL as for the tests; QLIB_BENCH_RUNS (default 3) runs each, medians).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type OSS from 'ali-oss';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { createOssClient } from '../adapters/object-store/client.js';
import { TokenStore } from '../adapters/warehouse/api-tokens.js';
import { quoteId } from '../adapters/warehouse/pool.js';
import { apiClient } from '../agent/api-client.js';
import { columnsOf, valueSpan } from '../agent/pull/columns.js';
import { PendingSyncs, writeNew } from '../agent/pull/file-ops.js';
import { pull } from '../agent/pull/pull.js';
import { SILENT_PULL } from '../agent/pull/pull-progress.js';
import { encodeBin, featureFile } from '../agent/pull/qlib-bin.js';
import type { InstrumentRows } from '../agent/pull/values-fetch.js';
import { CsvRowWriter } from '../core/csv/index.js';
import { featureDirName } from '../core/csv/instrument.js';
import { buildFunctions } from '../scripts/build-functions.js';
import { businessDays, makeBatch } from '../test/ingest/batch-builder.js';
import { createTestDatabase } from '../test/support/mysql.js';
import { withStack } from './api/stack.js';
import { loadWide, WIDE } from './api/throughput.js';
import { median } from './api/timing.js';

const RUNS = Number(process.env.QLIB_BENCH_RUNS ?? 3);

/** Entry point for bench/main.ts. */
export async function run(): Promise<void> {
  await buildFunctions();
  const db = await createTestDatabase('bench_pull');
  const scratch = mkdtempSync(join(tmpdir(), 'bench-pull-'));
  try {
    await withStack(db.url, async (stack) => {
      const oss = createOssClient({
        bucket: stack.bucket,
        region: stack.region,
        endpoint: stack.oss.url,
        credentials: stack.credentials,
        timeoutMs: 600_000,
      });
      // A fresh connection per upload: a socket the local OSS server closed while a pull kept the loop busy is
      // an ECONNRESET, not a finding (as in test/api/api-harness.ts).
      (oss as unknown as { agent: Agent }).agent = new Agent({ keepAlive: false });
      await loadWide(oss, db.pool);
      const { token } = await new TokenStore(db.pool).create('bench', ['read:data'], null);
      const base = stack.fc.httpUrl('qlib-api') as string;
      const fresh = () => apiClient({ base, token, retry: { attempts: 5, baseMs: 500 } });
      const options = (dir: string) => ({
        dataset: WIDE.dataset,
        dir,
        fields: null,
        start: null,
        market: null,
      });
      await pull(fresh(), options(join(scratch, 'warm')), SILENT_PULL); // warm: instance, statements, buffer pool
      const full: number[] = [];
      const plain: number[] = [];
      let written = 0;
      let received = 0;
      for (let i = 0; i < RUNS; i++) {
        let started = performance.now();
        const summary = await pull(fresh(), options(join(scratch, `full-${i}`)), SILENT_PULL);
        full.push(performance.now() - started);
        written = summary.bytesWritten;
        received = summary.bytesReceived;
        started = performance.now();
        await plainSelectToFiles(db.pool, join(scratch, `plain-${i}`));
        plain.push(performance.now() - started);
      }
      const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
      const rate = (ms: number) => `${(written / 1048576 / (ms / 1000)).toFixed(1)} MiB/s`;
      console.log(
        [
          `pull, ${WIDE.days} days × ${WIDE.instruments} instruments × ${WIDE.columns.length} float32 fields (${WIDE.instruments * WIDE.columns.length} .bin files, ${(written / 1048576).toFixed(1)} MiB written, ${(received / 1048576).toFixed(1)} MiB of JSON received); medians of ${RUNS}:`,
          `  plain mysql2 SELECT of the rows written to the same files: ${s(median(plain))}, ${rate(median(plain))}`,
          `  qlib-sync pull (full, through the FC HTTP trigger):        ${s(median(full))}, ${rate(median(full))} → ratio ${(median(plain) / median(full)).toFixed(2)}`,
        ].join('\n'),
      );
      const daily: number[] = [];
      let dailyBytes = 0;
      const days = businessDays('2023-01-02', WIDE.days + RUNS);
      for (let i = 0; i < RUNS; i++) {
        await loadDay(oss, db.pool, days[WIDE.days + i] as string, WIDE.days + i);
        const started = performance.now();
        const summary = await pull(fresh(), options(join(scratch, 'full-0')), SILENT_PULL);
        daily.push(performance.now() - started);
        dailyBytes = summary.bytesWritten;
      }
      console.log(
        `  daily incremental pull (one day loaded, appended):          ${s(median(daily))}, ${dailyBytes} bytes written (${WIDE.instruments} × ${WIDE.columns.length} × 4 = ${WIDE.instruments * WIDE.columns.length * 4})`,
      );
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    await db.drop();
  }
}

/** The baseline: one prepared SELECT of every row, then the same .bin files written the same way (fsynced together). */
async function plainSelectToFiles(pool: Pool, dir: string): Promise<void> {
  const names = WIDE.columns.map((c) => c.name);
  const select = ['trade_date', 'instrument', ...names].map(quoteId).join(', ');
  const [rows] = await pool.execute<RowDataPacket[]>(
    `SELECT ${select} FROM ${quoteId(`f_${WIDE.dataset}`)} ORDER BY trade_date, instrument`,
  );
  const dayIndex = new Map<string, number>();
  const byInstrument = new Map<string, InstrumentRows>();
  for (const row of rows) {
    const day = String(row.trade_date);
    if (!dayIndex.has(day)) dayIndex.set(day, dayIndex.size);
    const code = String(row.instrument);
    const mine = byInstrument.get(code) ?? new Map<number, Float32Array>();
    byInstrument.set(code, mine);
    mine.set(
      dayIndex.get(day) as number,
      Float32Array.from(names, (n) => (row[n] === null ? Number.NaN : Number(row[n]))),
    );
  }
  const syncs = new PendingSyncs();
  for (const [code, mine] of byInstrument) {
    const columns = columnsOf(mine, names.length, dayIndex.size);
    const span = valueSpan(columns);
    if (span === null) continue;
    mkdirSync(join(dir, 'features', featureDirName(code)), { recursive: true });
    names.forEach((name, f) => {
      const bytes = encodeBin(span.start, (columns[f] as Float32Array).subarray(span.start, span.end + 1));
      writeNew(join(dir, 'features', featureDirName(code), featureFile(name)), bytes, syncs);
    });
  }
  syncs.flush();
}

/** One more day of the fixture, through ingest. */
async function loadDay(oss: OSS, pool: Pool, day: string, d: number): Promise<void> {
  const writer = new CsvRowWriter({ kind: 'factors', columns: WIDE.columns });
  writer.header();
  const values = new Float64Array(WIDE.columns.length);
  for (let i = 0; i < WIDE.instruments; i++) {
    for (let c = 0; c < values.length; c++)
      values[c] = Math.fround(Math.sin(d * 7 + i * 13 + c) * 10 ** ((c % 7) - 3));
    writer.row(day, `SH6${String(i).padStart(5, '0')}`, values);
  }
  const batch = makeBatch({
    dataset: WIDE.dataset,
    columns: WIDE.columns,
    csv: writer.take().toString('latin1'),
    rowCount: WIDE.instruments,
    dateRange: { start: day, end: day },
  });
  await oss.put(batch.payloadKey, batch.payload);
  await oss.put(batch.manifestKey, Buffer.from(batch.manifestText));
  for (let waited = 0; waited < 300_000; waited += 200) {
    const [rows] = await pool.query<RowDataPacket[]>('SELECT status FROM batches WHERE batch_id = ?', [
      batch.batchId,
    ]);
    const status = rows[0]?.status;
    if (status === 'loaded') return;
    if (status === 'rejected' || status === 'failed') throw new Error(`day ${day} was ${status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`day ${day} did not load in 5 minutes`);
}
