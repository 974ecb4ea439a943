import type { MetricPoint } from '../../core/experiments/lines.js';

/**
 * An MLflow tracking store as push-runs reads it, whatever its backend (the file store `mlruns/`, or a SQLite
 * database): experiments, then runs one at a time with everything they recorded. Values are exactly as recorded:
 * times in epoch milliseconds, params and tags as the strings MLflow stored, every logged metric value in order.
 */
export interface StoreExperiment {
  experimentId: string;
  name: string;
  artifactLocation: string | null;
  lifecycleStage: string;
  creationTime: number | null;
  lastUpdateTime: number | null;
  tags: Record<string, string>;
}

export interface StoreRun {
  runId: string;
  experimentId: string;
  name: string | null;
  /** MLflow's status name (RUNNING, FINISHED, …); an unknown value is passed on as read and rejected by the rules. */
  status: string;
  startTime: number | null;
  endTime: number | null;
  lifecycleStage: string;
  artifactUri: string | null;
  params: Record<string, string>;
  tags: Record<string, string>;
  /** Metric key → every logged value in logging order; the value a number or "NaN" / "Infinity" / "-Infinity". */
  metrics: Map<string, MetricPoint[]>;
  /** The run's artifact directory on this machine, when there is one. */
  artifactDir: string | undefined;
}

/** A run listed before it is read: enough to tell whether it changed since the last push. */
export interface RunHandle {
  runId: string;
  experimentId: string;
  /** Cheap to compute, changes whenever the run's recorded data can have changed (undefined: always read it). */
  quickFingerprint: string | undefined;
}

export interface MlflowStore {
  /** Where the store is, for people and the manifest's producer.sourcePath. */
  readonly location: string;
  experiments(): StoreExperiment[];
  runHandles(): RunHandle[];
  readRun(handle: RunHandle): StoreRun;
  close(): void;
}

/** MLflow's RunStatus enum as the file store writes it in meta.yaml (mlflow/entities/run_status.py). */
export const RUN_STATUS_BY_NUMBER: Record<number, string> = {
  1: 'RUNNING',
  2: 'SCHEDULED',
  3: 'FINISHED',
  4: 'FAILED',
  5: 'KILLED',
};

/** Numeric-aware order for experiment ids ("2" before "10"), plain order for anything else. */
export function compareIds(a: string, b: string): number {
  const na = /^\d+$/.test(a) ? Number(a) : Number.NaN;
  const nb = /^\d+$/.test(b) ? Number(b) : Number.NaN;
  if (!Number.isNaN(na) && !Number.isNaN(nb) && na !== nb) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A metric value as MLflow wrote it (Python's repr of a float: `0.1`, `1e-05`, `nan`, `inf`, `-inf`). */
export function metricValueOf(text: string): number | string {
  // Number() is the fast path (a store holds millions of values); it also reads "Infinity" and "  1", which
  // Python never writes, and "" as 0, which is why the empty text is excluded.
  const n = Number(text);
  if (text !== '' && Number.isFinite(n)) return n;
  const t = text.trim().toLowerCase();
  if (t === 'nan' || t === '-nan') return 'NaN';
  if (t === 'inf' || t === '+inf' || t === 'infinity') return 'Infinity';
  if (t === '-inf' || t === '-infinity') return '-Infinity';
  return text;
}
