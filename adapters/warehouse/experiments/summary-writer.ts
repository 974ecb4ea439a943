import type { PoolConnection } from 'mysql2/promise';
import type { RunRecord } from '../../../core/experiments/lines.js';
import { dayFigures, type RunFigures } from '../../../core/experiments/summary.js';
import { execute } from '../sql.js';
import { datetimeOf, RowWriter } from './rows.js';

export interface SummaryRow {
  store: string;
  batchId: string;
  run: RunRecord;
  figures: RunFigures;
  modelClass: string | null;
  snapshotId: string | null;
}

/** run_summaries (one typed, sortable row per run) and run_excess_returns (every frequency), in the load transaction. */
export async function writeSummary(conn: PoolConnection, s: SummaryRow): Promise<void> {
  const { run, figures } = s;
  const without = dayFigures(figures, 'without_cost');
  const withCost = dayFigures(figures, 'with_cost');
  await execute(
    conn,
    `INSERT INTO run_summaries (run_id, store, experiment_id, run_name, status, lifecycle_stage, start_time, end_time,
       config_hash, model_class, snapshot_id, ic, icir, rank_ic, rank_icir,
       ann_return_without_cost_1day, info_ratio_without_cost_1day, max_drawdown_without_cost_1day,
       ann_return_with_cost_1day, info_ratio_with_cost_1day, max_drawdown_with_cost_1day, batch_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      run.runId,
      s.store,
      run.experimentId,
      run.name,
      run.status,
      run.lifecycleStage,
      datetimeOf(run.startTime),
      datetimeOf(run.endTime),
      run.configHash,
      s.modelClass,
      s.snapshotId,
      figures.ic,
      figures.icir,
      figures.rankIc,
      figures.rankIcir,
      without?.annualizedReturn ?? null,
      without?.informationRatio ?? null,
      without?.maxDrawdown ?? null,
      withCost?.annualizedReturn ?? null,
      withCost?.informationRatio ?? null,
      withCost?.maxDrawdown ?? null,
      s.batchId,
    ],
  );
  const rows = new RowWriter(conn, 'run_excess_returns', [
    'run_id',
    'frequency',
    'cost',
    'mean',
    'std',
    'annualized_return',
    'information_ratio',
    'max_drawdown',
  ]);
  for (const e of figures.excess) {
    await rows.add([
      run.runId,
      e.frequency,
      e.cost,
      e.mean,
      e.std,
      e.annualizedReturn,
      e.informationRatio,
      e.maxDrawdown,
    ]);
  }
  await rows.flush();
}
