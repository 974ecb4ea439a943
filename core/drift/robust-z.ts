import type { DayProfile } from './profile.js';

/**
 * Drift by robust z-scores (Iglewicz & Hoaglin's modified z-score): z = 0.6745 (x − median) / MAD over the previous
 * trading days. When the MAD is 0 (half the history identical), the mean absolute deviation × 1.2533 stands in; when
 * that is 0 too, any change counts, as long as it passes the figure's smallest meaningful change (below).
 */
export type DriftMetric = 'rows' | 'mean' | 'std' | 'nullRatio';

export interface DriftOutlier {
  /** null for the day's row count (instrument coverage) */
  column: string | null;
  metric: DriftMetric;
  value: number;
  median: number;
  z: number;
}

/** At least this many earlier days with the figure before a day is judged. */
export const MIN_HISTORY = 10;

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** The robust z-score of x against history; Infinity when history is constant and x differs. */
export function robustZ(x: number, history: readonly number[]): number {
  const m = median(history);
  const deviations = history.map((h) => Math.abs(h - m));
  const mad = median(deviations);
  if (mad > 0) return (0.6745 * (x - m)) / mad;
  const meanAd = deviations.reduce((a, b) => a + b, 0) / deviations.length;
  if (meanAd > 0) return (x - m) / (1.2533 * meanAd);
  return x === m ? 0 : x > m ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
}

/** Below these a change is not drift, whatever its z (a constant history makes every change infinite). */
function meaningful(metric: DriftMetric, x: number, m: number): boolean {
  const diff = Math.abs(x - m);
  if (metric === 'rows') return diff / Math.max(1, m) >= 0.05;
  if (metric === 'nullRatio') return diff >= 0.05;
  return diff > 1e-9 * Math.max(1, Math.abs(m));
}

/** The figures of `day` that are outliers against `history` (the previous days, any order). */
export function findDrift(
  day: DayProfile,
  history: readonly DayProfile[],
  threshold: number,
): DriftOutlier[] {
  const out: DriftOutlier[] = [];
  const judge = (
    column: string | null,
    metric: DriftMetric,
    x: number | null,
    past: Array<number | null>,
  ) => {
    const values = past.filter((v): v is number => v !== null && Number.isFinite(v));
    if (x === null || !Number.isFinite(x) || values.length < MIN_HISTORY) return;
    const z = robustZ(x, values);
    const m = median(values);
    if (Math.abs(z) > threshold && meaningful(metric, x, m))
      out.push({ column, metric, value: x, median: m, z });
  };
  judge(
    null,
    'rows',
    day.rows,
    history.map((h) => h.rows),
  );
  for (const [name, c] of Object.entries(day.columns)) {
    const past = history.map((h) => h.columns[name]);
    judge(
      name,
      'nullRatio',
      ratio(c.nulls, day.rows),
      past.map((p, i) => (p === undefined ? null : ratio(p.nulls, history[i]?.rows ?? 0))),
    );
    judge(
      name,
      'mean',
      c.mean,
      past.map((p) => p?.mean ?? null),
    );
    judge(
      name,
      'std',
      c.std,
      past.map((p) => p?.std ?? null),
    );
  }
  return out;
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}
