import type { Example } from './findings.js';

/**
 * Per-date aggregates for the distribution rules: rows per date, NULLs per column, and whether each
 * column varies within a date. Memory is dates × columns numbers, whatever the row count.
 */
export class DateStats {
  private readonly index = new Map<string, number>();
  private readonly rowsPerDate: number[] = [];
  private readonly first: Float64Array[] = [];
  private readonly nonNull: Int32Array[] = [];
  private readonly varies: Uint8Array[] = [];
  private readonly nulls: Float64Array;
  /** Distinct dates kept at most: `maxCells` / columns (limits.ts). */
  readonly maxDates: number;

  constructor(
    private readonly width: number,
    maxCells = Number.POSITIVE_INFINITY,
  ) {
    this.nulls = new Float64Array(width);
    this.maxDates = Math.max(1, Math.floor(maxCells / Math.max(width, 1)));
  }

  /** Record a row's values; returns the date's index, or -1 for a new date past `maxDates` (nothing kept). */
  observe(date: string, values: ArrayLike<number | null>): number {
    let d = this.index.get(date);
    if (d === undefined) {
      if (this.index.size >= this.maxDates) return -1;
      d = this.index.size;
      this.index.set(date, d);
      this.rowsPerDate.push(0);
      this.first.push(new Float64Array(this.width));
      this.nonNull.push(new Int32Array(this.width));
      this.varies.push(new Uint8Array(this.width));
    }
    this.rowsPerDate[d] = (this.rowsPerDate[d] as number) + 1;
    const first = this.first[d] as Float64Array;
    const nonNull = this.nonNull[d] as Int32Array;
    const varies = this.varies[d] as Uint8Array;
    const n = Math.min(values.length, this.width);
    for (let c = 0; c < n; c++) {
      const v = values[c];
      if (v === null || v === undefined || Number.isNaN(v)) {
        this.nulls[c] = (this.nulls[c] as number) + 1;
        continue;
      }
      if (nonNull[c] === 0) first[c] = v;
      else if (varies[c] === 0 && first[c] !== v) varies[c] = 1;
      nonNull[c] = (nonNull[c] as number) + 1;
    }
    return d;
  }

  dates(): string[] {
    return [...this.index.keys()].sort();
  }

  nullCounts(): number[] {
    return Array.from(this.nulls);
  }

  /** Days whose instrument count moved more than `tolerance` from the previous trading day. */
  drifts(previous: { date: string; instruments: number } | undefined, tolerance: number): Example[] {
    const out: Example[] = [];
    let prev = previous;
    for (const date of this.dates()) {
      const count = this.rowsPerDate[this.index.get(date) as number] as number;
      if (prev !== undefined && prev.instruments > 0) {
        const change = Math.abs(count - prev.instruments) / prev.instruments;
        if (change > tolerance)
          out.push({ date, detail: `${prev.instruments} on ${prev.date}, ${count} on ${date}` });
      }
      prev = { date, instruments: count };
    }
    return out;
  }

  /** (date, column) pairs where every one of at least `minInstruments` non-NULL values is the same. */
  constants(minInstruments: number): { date: string; column: number; value: number; instruments: number }[] {
    const out: { date: string; column: number; value: number; instruments: number }[] = [];
    for (const date of this.dates()) {
      const d = this.index.get(date) as number;
      const nonNull = this.nonNull[d] as Int32Array;
      const varies = this.varies[d] as Uint8Array;
      for (let c = 0; c < this.width; c++) {
        const count = nonNull[c] as number;
        if (count >= minInstruments && varies[c] === 0) {
          out.push({
            date,
            column: c,
            value: (this.first[d] as Float64Array)[c] as number,
            instruments: count,
          });
        }
      }
    }
    return out;
  }
}
