import { join } from 'node:path';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { writeMlruns } from '../../test/support/mlruns-fixture.js';
import { qrunDemoModel } from '../../test/support/qlib-runs.js';
import { runAgent } from './agent-cli.js';
import { waitSettled } from './show.js';
import type { StoryChecks } from './story-checks.js';

interface Io {
  say: (line?: string) => void;
  section: (title: string) => void;
  checks: StoryChecks;
}

/**
 * The demo's experiments step: a small qrun-like run in an mlruns/ laid out as MLflow's file store writes it
 * (test/support/mlruns-fixture.ts), pushed with `qlib-sync push-runs`, loaded by ingest, shown from RDS.
 */
export async function experimentsStory(
  pool: Pool,
  dir: string,
  env: Record<string, string>,
  io: Io,
): Promise<void> {
  const { say, section, checks } = io;
  section('5. experiment results: a qrun-like run in mlruns/ (qlib-sync push-runs)');
  const model = qrunDemoModel();
  const mlruns = join(dir, 'mlruns');
  writeMlruns(mlruns, model);
  const run = model.runs[0];
  if (run === undefined) throw new Error('the demo model has no run');
  say(
    `${mlruns}: experiment "workflow", run ${run.id} (${Object.keys(run.params).length} params, ${Object.keys(run.metrics).length} metrics)`,
  );
  await runAgent(['push-runs', '--mlruns', mlruns, '--dataset', 'research01'], env, say);
  const settled = await waitSettled(pool, { dataset: 'research01' });
  say(`  ingest │ ${settled.batch_id}: ${settled.status} — ${settled.summary}`);
  checks.check('the experiments batch is loaded', settled.status === 'loaded', {
    status: settled.status,
    code: settled.error_code,
  });
  const [summary] = await rows(
    pool,
    `SELECT s.run_name, s.status, s.model_class, s.ic, s.rank_ic, s.ann_return_with_cost_1day, s.max_drawdown_with_cost_1day,
            s.snapshot_id, c.name AS config, c.handler_class, c.market
       FROM run_summaries s LEFT JOIN model_configs c ON c.config_hash = s.config_hash WHERE s.run_id = ?`,
    [run.id],
  );
  say('SELECT … FROM run_summaries JOIN model_configs →');
  for (const [key, value] of Object.entries(summary ?? {})) say(`  ${key.padEnd(28)} ${value}`);
  const ic = run.metrics.IC?.[0]?.[1];
  checks.check(
    'the run summary has its IC and the config it trained with',
    summary?.ic === ic && summary?.config === 'workflow_config.yaml',
    summary,
  );
  const [metrics] = await rows(pool, 'SELECT COUNT(*) AS n FROM run_metrics WHERE run_id = ?', [run.id]);
  const expected = Object.values(run.metrics).reduce((n, points) => n + points.length, 0);
  checks.check(
    `every metric value is in run_metrics (${expected})`,
    Number(metrics?.n) === expected,
    metrics?.n,
  );
  const [artifacts] = await rows(
    pool,
    'SELECT COUNT(*) AS n FROM run_artifacts WHERE run_id = ? AND object_key IS NOT NULL',
    [run.id],
  );
  checks.check(
    'its artifacts are in OSS, listed with size and SHA-256',
    Number(artifacts?.n) === 4,
    artifacts?.n,
  );
}

async function rows(pool: Pool, sql: string, params: unknown[]): Promise<RowDataPacket[]> {
  const [result] = await pool.execute<RowDataPacket[]>(sql, params as never);
  return result;
}
