import type { RowBlock } from './source.js';

/**
 * The rows of an export file, held compactly (4 or 8 bytes a value) so they can be handed out ordered by
 * instrument then date, the canonical order, whatever order pandas wrote them in. Duplicate keys are kept
 * (adjacent, in input order) for the quality rules to report.
 */
export class ExportTable {
  private values: Float32Array | Float64Array;
  private readonly dates: string[] = [];
  private readonly instruments: string[] = [];
  private count = 0;

  constructor(
    readonly width: number,
    private readonly float64: boolean,
  ) {
    this.values = this.allocate(1024 * Math.max(width, 1));
  }

  get rows(): number {
    return this.count;
  }

  add(date: string, instrument: string, row: ArrayLike<number>): void {
    const needed = (this.count + 1) * this.width;
    if (needed > this.values.length) {
      const grown = this.allocate(Math.max(needed, this.values.length * 2));
      grown.set(this.values);
      this.values = grown;
    }
    const base = this.count * this.width;
    for (let c = 0; c < this.width; c++) this.values[base + c] = row[c] as number;
    this.dates.push(date);
    this.instruments.push(instrument);
    this.count += 1;
  }

  /** One block per instrument, instruments in code-unit order, dates ascending. */
  *blocks(): Generator<RowBlock> {
    const order = this.sortedOrder();
    let i = 0;
    while (i < order.length) {
      const instrument = this.instruments[order[i] as number] as string;
      let j = i;
      while (j < order.length && this.instruments[order[j] as number] === instrument) j++;
      const values = this.allocate((j - i) * this.width);
      const dates: string[] = [];
      for (let k = i; k < j; k++) {
        const row = order[k] as number;
        dates.push(this.dates[row] as string);
        values.set(this.values.subarray(row * this.width, (row + 1) * this.width), (k - i) * this.width);
      }
      yield { instrument, dates, values };
      i = j;
    }
  }

  private sortedOrder(): Uint32Array {
    const order = new Uint32Array(this.count);
    for (let i = 0; i < this.count; i++) order[i] = i;
    const instruments = this.instruments;
    const dates = this.dates;
    return order.sort((a, b) => {
      const ia = instruments[a] as string;
      const ib = instruments[b] as string;
      if (ia !== ib) return ia < ib ? -1 : 1;
      const da = dates[a] as string;
      const db = dates[b] as string;
      if (da !== db) return da < db ? -1 : 1;
      return a - b;
    });
  }

  private allocate(length: number): Float32Array | Float64Array {
    return this.float64 ? new Float64Array(length) : new Float32Array(length);
  }
}
