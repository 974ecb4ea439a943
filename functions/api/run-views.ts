import type { RowDataPacket } from 'mysql2/promise';
import { isoInstant } from '../../core/api/params.js';

/** How experiment results look in the API's answers (functions/api/routes/experiments.ts). */

/** Only keys under artifacts/ get a presigned link (the function's role may read nothing else either). */
export function linkable(key: unknown): key is string {
  return typeof key === 'string' && key.startsWith('artifacts/') && !key.includes('/../');
}

/** A run as the lists show it: the summary's typed figures. */
export function runSummaryView(s: RowDataPacket) {
  const figures = (cost: 'without_cost' | 'with_cost') => ({
    annualizedReturn: s[`ann_return_${cost}_1day`] ?? null,
    informationRatio: s[`info_ratio_${cost}_1day`] ?? null,
    maxDrawdown: s[`max_drawdown_${cost}_1day`] ?? null,
  });
  return {
    runId: s.run_id,
    store: s.store,
    experimentId: s.experiment_id,
    experiment: s.experiment_name ?? null,
    runName: s.run_name ?? null,
    status: s.status,
    lifecycleStage: s.lifecycle_stage,
    startTime: isoInstant(s.start_time ?? null),
    endTime: isoInstant(s.end_time ?? null),
    configHash: s.config_hash ?? null,
    modelClass: s.model_class ?? null,
    snapshotId: s.snapshot_id ?? null,
    ic: s.ic ?? null,
    icir: s.icir ?? null,
    rankIc: s.rank_ic ?? null,
    rankIcir: s.rank_icir ?? null,
    excessReturn1day: { withoutCost: figures('without_cost'), withCost: figures('with_cost') },
  };
}

/** A model config's queryable fields (migrations/0010 model_configs). */
export function configView(r: RowDataPacket) {
  return {
    hash: r.config_hash,
    name: r.name,
    source: r.source,
    modelClass: r.model_class,
    modelModule: r.model_module,
    datasetClass: r.dataset_class,
    handlerClass: r.handler_class,
    market: r.market,
    benchmark: r.benchmark,
    label: r.label,
    segments: parseSegments(r.segments_json),
    createdAt: isoInstant(r.created_at),
  };
}

function parseSegments(text: unknown): unknown {
  if (typeof text !== 'string') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
