/**
 * A per-day profile of a dataset's rows (docs/monitor.md, "Drift"): rows (the instrument coverage: one row per
 * instrument and day), and per column the non-NULL count, NULL count, cross-sectional mean and standard deviation.
 * Fed row by row at load time; per row one loop over the values with a few additions each (sums shifted by the
 * day's first value, so large magnitudes keep their precision), memory days × columns.
 */
export interface ColumnProfile {
  n: number;
  nulls: number;
  mean: number | null;
  std: number | null;
}

export interface DayProfile {
  date: string;
  rows: number;
  columns: Record<string, ColumnProfile>;
}

interface DayTotals {
  rows: number;
  n: Float64Array;
  shift: Float64Array;
  sum: Float64Array;
  sumSq: Float64Array;
}

export class ProfileBuilder {
  private readonly days = new Map<string, DayTotals>();
  private lastDate = '';
  private last: DayTotals | undefined;

  constructor(private readonly columns: readonly string[]) {}

  /** One row's values (null or NaN: NULL), in the column order given to the constructor. */
  observe(date: string, values: ArrayLike<number | null>): void {
    let day = this.last;
    if (date !== this.lastDate || day === undefined) {
      day = this.days.get(date);
      if (day === undefined) {
        const w = this.columns.length;
        day = {
          rows: 0,
          n: new Float64Array(w),
          shift: new Float64Array(w),
          sum: new Float64Array(w),
          sumSq: new Float64Array(w),
        };
        this.days.set(date, day);
      }
      this.lastDate = date;
      this.last = day;
    }
    day.rows++;
    const width = Math.min(values.length, this.columns.length);
    const { n, shift, sum, sumSq } = day;
    for (let c = 0; c < width; c++) {
      const v = values[c];
      if (v === null || v === undefined || Number.isNaN(v)) continue;
      if (n[c] === 0) shift[c] = v;
      const d = v - (shift[c] as number);
      n[c] = (n[c] as number) + 1;
      sum[c] = (sum[c] as number) + d;
      sumSq[c] = (sumSq[c] as number) + d * d;
    }
  }

  /** The profiles of every day seen, by date. */
  profiles(): DayProfile[] {
    return [...this.days.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([date, t]) => {
        const columns: Record<string, ColumnProfile> = {};
        this.columns.forEach((name, c) => {
          const n = t.n[c] as number;
          const mean = n === 0 ? null : (t.shift[c] as number) + (t.sum[c] as number) / n;
          const variance =
            n === 0 ? 0 : Math.max(0, (t.sumSq[c] as number) / n - ((t.sum[c] as number) / n) ** 2);
          columns[name] = { n, nulls: t.rows - n, mean, std: n === 0 ? null : Math.sqrt(variance) };
        });
        return { date, rows: t.rows, columns };
      });
  }
}
