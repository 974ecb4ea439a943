/**
 * Experiments benchmark (docs/experiments.md, "Performance"): a store of QLIB_BENCH_RUNS_N runs (default 40), each
 * with 5 metrics of 5000 steps (1M metric values for 40 runs) and qlib's params, pushed by `qlib-sync push-runs`
 * (in-process, local OSS) and loaded by the ingest function (in-process, MariaDB). Baselines in the same run, same
 * database: the same metric rows written with multi-row INSERTs of 1000 rows in one transaction (what the loader
 * does, without the reading and checking around it), and with LOAD DATA LOCAL INFILE (the fastest way in).
 * Prints figures, asserts nothing. Run: npm run bench -- experiments
 */

import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { PoolConnection } from 'mysql2/promise';
import { startExperimentsEnv } from '../test/experiments/harness.js';
import type { MlflowModel, ModelRun } from '../test/support/mlflow-model.js';
import { writeMlruns } from '../test/support/mlruns-fixture.js';
import { lightgbmParams } from '../test/support/qlib-runs.js';

const RUNS = Number(process.env.QLIB_BENCH_RUNS_N ?? 40);
const METRICS = 5;
const STEPS = 5000;
const T0 = 1_700_000_000_000;

/** Entry point for bench/main.ts. */
export async function run(): Promise<void> {
  const e = await startExperimentsEnv('bench_exp');
  try {
    const model = store();
    const mlruns = join(e.dir, 'mlruns');
    writeMlruns(mlruns, model);
    const values = RUNS * METRICS * STEPS;
    console.log(
      `experiments: ${RUNS} runs × ${METRICS} metrics × ${STEPS} steps = ${values.toLocaleString('en')} metric values`,
    );
    let started = performance.now();
    const pushed = await e.run([
      'push-runs',
      '--mlruns',
      mlruns,
      '--dataset',
      'bench',
      '--artifacts',
      'none',
      '--json',
    ]);
    const pushMs = performance.now() - started;
    if (pushed.code !== 0) throw new Error(`push-runs failed: ${pushed.stderr}`);
    const result = JSON.parse(pushed.stdout) as { bytes: number; lines: number };
    started = performance.now();
    const [outcome] = await e.deliver();
    const ingestMs = performance.now() - started;
    const rows = rowsOf(model);
    const insertMs = await baseline(e.env.db.pool, 'insert', rows);
    const loadMs = await baseline(e.env.db.pool, 'load', rows);
    const rate = (ms: number) => `${Math.round((values / ms) * 1000).toLocaleString('en')} values/s`;
    console.log(
      [
        `  push-runs (read, check, gzip, upload): ${(pushMs / 1000).toFixed(2)} s, ${rate(pushMs)}; payload ${(result.bytes / 1048576).toFixed(1)} MiB gz, ${result.lines} lines`,
        `  ingest (${outcome?.status}): ${(ingestMs / 1000).toFixed(2)} s, ${rate(ingestMs)}`,
        `  baseline multi-row INSERT of the same metric rows: ${(insertMs / 1000).toFixed(2)} s, ${rate(insertMs)} → ingest ÷ INSERT ${(insertMs / ingestMs).toFixed(2)}`,
        `  baseline LOAD DATA LOCAL INFILE of them:          ${(loadMs / 1000).toFixed(2)} s, ${rate(loadMs)} → ingest ÷ LOAD DATA ${(loadMs / ingestMs).toFixed(2)}`,
      ].join('\n'),
    );
  } finally {
    await e.close();
  }
}

function store(): MlflowModel {
  const runs: ModelRun[] = Array.from({ length: RUNS }, (_, i) => ({
    id: `${String(i).padStart(8, '0')}${'0'.repeat(24)}`,
    experimentId: '1',
    name: `run-${i}`,
    status: 'FINISHED',
    startTime: T0 + i * 1000,
    endTime: T0 + i * 1000 + 500,
    lifecycleStage: 'active',
    params: lightgbmParams({ 'model.kwargs.num_leaves': String(32 + i) }),
    tags: { 'mlflow.runName': `run-${i}` },
    metrics: Object.fromEntries(
      Array.from({ length: METRICS }, (_, m) => [
        `metric_${m}`,
        Array.from({ length: STEPS }, (_, step): [number, number, number] => [
          T0 + step * 10,
          Math.sin(step + m + i) / (step + 1),
          step,
        ]),
      ]),
    ),
    artifacts: {},
  }));
  const experiment = {
    id: '1',
    name: 'bench',
    lifecycleStage: 'active' as const,
    creationTime: T0,
    lastUpdateTime: T0,
    tags: {},
  };
  return { experiments: [experiment], runs };
}

type Row = [string, string, number, number, number, number];

function rowsOf(model: MlflowModel): Row[] {
  return model.runs.flatMap((r) =>
    Object.entries(r.metrics).flatMap(([key, points]) =>
      points.map(([ts, value, step], seq): Row => [r.id, key, seq, step, ts, value]),
    ),
  );
}

/** The same rows into a copy of run_metrics, in one transaction: multi-row INSERTs, or LOAD DATA. */
async function baseline(
  pool: import('mysql2/promise').Pool,
  how: 'insert' | 'load',
  rows: Row[],
): Promise<number> {
  const table = `run_metrics_${how}`;
  const conn: PoolConnection = await pool.getConnection();
  try {
    await conn.query(`CREATE TABLE ${table} LIKE run_metrics`);
    const started = performance.now();
    await conn.query('START TRANSACTION');
    if (how === 'insert') {
      for (let i = 0; i < rows.length; i += 1000) {
        const chunk = rows.slice(i, i + 1000);
        await conn.query(
          `INSERT INTO ${table} (run_id, metric_key, seq, step, ts_ms, value) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
          chunk.flat(),
        );
      }
    } else {
      const text = Buffer.from(rows.map((r) => r.join('\t')).join('\n'));
      // mysql2 sends each chunk as one packet: keep them well under max_allowed_packet
      const chunks = Array.from({ length: Math.ceil(text.length / 65_536) }, (_, i) =>
        text.subarray(i * 65_536, (i + 1) * 65_536),
      );
      await conn.query({
        sql: `LOAD DATA LOCAL INFILE 'metrics.tsv' INTO TABLE ${table} (run_id, metric_key, seq, step, ts_ms, value)`,
        infileStreamFactory: () => Readable.from(chunks),
      });
    }
    await conn.query('COMMIT');
    return performance.now() - started;
  } finally {
    conn.release();
  }
}
