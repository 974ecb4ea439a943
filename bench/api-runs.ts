/**
 * Experiment results served (docs/api.md, "Experiments"). Figures, no assertions.
 *  1. Paging every run of a 20,000-run table in IC order (`/v1/runs?order_by=ic&limit=500`, keyset on (ic is null,
 *     ic, run id)) through the FC HTTP trigger, parsed, as a ratio to one plain mysql2 SELECT of the same rows in the
 *     same order in the same run.
 *  2. Latency (p50/p95) of the status page's leaderboard query (`order_by=ic&limit=10`), of one run with a
 *     5,000-step metric (`/v1/runs/{id}`) and of a config as qrun's YAML (`/v1/configs/{hash}?format=yaml`).
 * Run: npm run bench -- api-runs   (MYSQL_URL as for the tests; QLIB_BENCH_RUNS (default 3) paging runs).
 */
import { randomBytes } from 'node:crypto';
import type { Pool } from 'mysql2/promise';
import { TokenStore } from '../adapters/warehouse/api-tokens.js';
import { sha256Hex } from '../core/digest.js';
import { buildFunctions } from '../scripts/build-functions.js';
import { createTestDatabase } from '../test/support/mysql.js';
import { withStack } from './api/stack.js';
import { latency, median, timed } from './api/timing.js';

const RUNS = Number(process.env.QLIB_BENCH_RUNS ?? 3);
const TOTAL = 20_000;
const STEPS = 5_000;
const YAML = 'qlib_init:\n  provider_uri: /data/qlib\ntask:\n  model:\n    class: LGBModel\n';

/** Entry point for bench/main.ts. */
export async function run(): Promise<void> {
  await buildFunctions();
  const db = await createTestDatabase('bench_api_runs');
  try {
    const detailRun = await fill(db.pool);
    await withStack(db.url, async (stack) => {
      const { token } = await new TokenStore(db.pool).create('bench', ['read:data'], null);
      const base = stack.fc.httpUrl('qlib-api') as string;
      const get = async (path: string) => {
        const r = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
        if (r.status !== 200) throw new Error(`${path} answered ${r.status}: ${await r.text()}`);
        return r;
      };
      const pageAll = async () => {
        let next: string | null = null;
        let rows = 0;
        do {
          const page = (await (
            await get(`/v1/runs?order_by=ic&limit=500${next === null ? '' : `&cursor=${next}`}`)
          ).json()) as { runs: unknown[]; next: string | null };
          rows += page.runs.length;
          next = page.next;
        } while (next !== null);
        return rows;
      };
      await pageAll(); // warm: instance, statements, buffer pool
      const plain = await timed(RUNS, 1, () => plainSelect(db.pool));
      let served = 0;
      const api = await timed(RUNS, 0, async () => {
        served = await pageAll();
      });
      const ratio = median(plain) / median(api);
      const board = await timed(50, 5, () => get('/v1/runs?order_by=ic&limit=10').then((r) => r.text()));
      const detail = await timed(20, 2, () => get(`/v1/runs/${detailRun}`).then((r) => r.text()));
      const config = await timed(50, 5, () =>
        get(`/v1/configs/${sha256Hex(YAML)}?format=yaml`).then((r) => r.text()),
      );
      console.log(
        [
          `runs in IC order, ${TOTAL} runs (medians of ${RUNS}):`,
          `  plain mysql2 SELECT (prepared, same order): ${(median(plain) / 1000).toFixed(2)} s`,
          `  API /v1/runs?order_by=ic&limit=500, every page, parsed (${served} runs): ${(median(api) / 1000).toFixed(2)} s → ratio ${ratio.toFixed(2)}`,
          `  leaderboard /v1/runs?order_by=ic&limit=10: ${latency(board)}`,
          `  one run with a ${STEPS}-step metric /v1/runs/{id}: ${latency(detail)}`,
          `  a config as YAML /v1/configs/{hash}?format=yaml: ${latency(config)}`,
        ].join('\n'),
      );
    });
  } finally {
    await db.drop();
  }
}

/** The same rows /v1/runs pages through, in one statement. */
async function plainSelect(pool: Pool): Promise<number> {
  const [rows] = await pool.execute(
    `SELECT s.*, e.name AS experiment_name FROM run_summaries s
       LEFT JOIN experiments e ON e.store = s.store AND e.experiment_id = s.experiment_id
      WHERE s.lifecycle_stage = 'active' ORDER BY s.ic IS NULL, s.ic DESC, s.run_id DESC`,
  );
  return (rows as unknown[]).length;
}

/** 20,000 runs in 20 experiments (one in ten without an IC), a config, one run with a 5,000-step metric. */
async function fill(pool: Pool): Promise<string> {
  const at = '2024-01-02 08:00:00.000';
  const hash = sha256Hex(YAML);
  await pool.query(
    `INSERT INTO model_configs (config_hash, source, name, config_text, model_class, first_batch_id, created_at)
     VALUES (?, 'yaml', 'lgb.yaml', ?, 'LGBModel', 'bench', ?)`,
    [hash, YAML, at],
  );
  for (let e = 0; e < 20; e++) {
    await pool.query(
      `INSERT INTO experiments (store, experiment_id, name, lifecycle_stage, created_at, batch_id)
       VALUES ('bench', ?, ?, 'active', ?, 'bench')`,
      [String(e), `exp${e}`, at],
    );
  }
  const ids = Array.from({ length: TOTAL }, () => randomBytes(16).toString('hex'));
  for (let i = 0; i < TOTAL; i += 1000) {
    const chunk = ids.slice(i, i + 1000);
    const values = chunk.map((id, j) => {
      const n = i + j;
      const ic = n % 10 === 0 ? null : Math.sin(n) / 10;
      return [
        id,
        'bench',
        String(n % 20),
        `run${n}`,
        'FINISHED',
        'active',
        at,
        at,
        hash,
        'LGBModel',
        ic,
        ic,
        'bench',
      ];
    });
    await pool.query(
      `INSERT INTO run_summaries (run_id, store, experiment_id, run_name, status, lifecycle_stage, start_time,
         end_time, config_hash, model_class, ic, rank_ic, batch_id) VALUES ?`,
      [values],
    );
    await pool.query(
      `INSERT INTO runs (run_id, store, experiment_id, run_name, status, start_time, end_time, lifecycle_stage,
         config_hash, batch_id) VALUES ?`,
      [
        chunk.map((id, j) => [
          id,
          'bench',
          String((i + j) % 20),
          `run${i + j}`,
          'FINISHED',
          at,
          at,
          'active',
          hash,
          'bench',
        ]),
      ],
    );
  }
  const detail = ids[1] as string;
  const steps = Array.from({ length: STEPS }, (_, s) => [
    detail,
    'loss',
    s,
    s,
    1_700_000_000_000 + s,
    1 / (s + 1),
  ]);
  await pool.query('INSERT INTO run_metrics (run_id, metric_key, seq, step, ts_ms, value) VALUES ?', [steps]);
  return detail;
}
