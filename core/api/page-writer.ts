import { MAX_FLOAT64_BYTES, writeFloat32, writeFloat64 } from '../csv/float-format.js';
import { MAX_INSTRUMENT_LENGTH } from '../csv/instrument.js';
import type { ColumnType } from '../csv/types.js';

export type ValuesFormat = 'json' | 'csv';

/** Bytes kept free before and after the rows for the page's head (field names…) and tail (the cursor). */
const FRAME_ROOM = 64 * 1024;

/**
 * The rows of one values page, written straight into one buffer that never grows past its byte budget
 * (docs/api.md, "Paging"): compact columnar JSON rows (`["2024-01-02","SH600000",0.5,null]`) or CSV lines
 * (`2024-01-02,SH600000,0.5,`). Numbers are canonical (docs/batch-format.md): float32 columns in the shortest
 * text that round-trips through float32, float64 as JavaScript's shortest round trip. Instrument codes need no
 * escaping in either format: they exclude `,`, `"`, `\` and control characters (core/csv/instrument.ts).
 */
export class PageWriter {
  private readonly out: Buffer;
  private readonly start: number;
  private end: number;
  private readonly limit: number;
  private count = 0;
  private readonly maxRowBytes: number;

  /** `row` values are [trade_date, instrument, ...one per column of `types`], numbers or null. */
  constructor(
    private readonly format: ValuesFormat,
    private readonly types: readonly ColumnType[],
    readonly budget: number,
  ) {
    // date + instrument + separators/brackets + every value at its longest
    this.maxRowBytes = 16 + MAX_INSTRUMENT_LENGTH + 8 + types.length * (MAX_FLOAT64_BYTES + 1);
    // Room before the rows for the page's head and after them for its tail: the page is framed in place.
    this.start = FRAME_ROOM;
    this.end = this.start;
    this.limit = this.start + Math.max(budget, this.maxRowBytes);
    this.out = Buffer.allocUnsafe(this.limit + FRAME_ROOM);
  }

  /** Rows written so far. */
  get rows(): number {
    return this.count;
  }

  /** Bytes of rows written so far. */
  get bytes(): number {
    return this.end - this.start;
  }

  /** True when one more row of any content fits in the budget. */
  get hasRoom(): boolean {
    return this.end + this.maxRowBytes <= this.limit;
  }

  /** Write one row; false (nothing written) when it might not fit in the budget. */
  write(row: readonly unknown[]): boolean {
    if (!this.hasRoom) return false;
    if (this.format === 'json') this.writeJson(row);
    else this.writeCsv(row);
    this.count += 1;
    return true;
  }

  /** The rows written (a view of the buffer, no copy). */
  body(): Buffer {
    return this.out.subarray(this.start, this.end);
  }

  /** The page: `head`, the rows, `tail`, framed in place around the rows (no copy of them when both fit). */
  frame(head: string, tail: string): Buffer {
    const headBytes = Buffer.byteLength(head);
    const tailBytes = Buffer.byteLength(tail);
    if (headBytes > FRAME_ROOM || tailBytes > FRAME_ROOM)
      return Buffer.concat([Buffer.from(head), this.body(), Buffer.from(tail)]);
    this.out.write(head, this.start - headBytes, 'utf8');
    this.out.write(tail, this.end, 'utf8');
    return this.out.subarray(this.start - headBytes, this.end + tailBytes);
  }

  private writeJson(row: readonly unknown[]): void {
    const out = this.out;
    let p = this.end;
    if (this.count > 0) out[p++] = 0x2c; // ,
    out[p++] = 0x5b; // [
    out[p++] = 0x22;
    p = ascii(out, p, String(row[0]));
    out[p++] = 0x22;
    out[p++] = 0x2c;
    out[p++] = 0x22;
    p = ascii(out, p, String(row[1]));
    out[p++] = 0x22;
    for (let i = 0; i < this.types.length; i++) {
      out[p++] = 0x2c;
      p = this.value(p, row[i + 2], this.types[i] as ColumnType, 'null');
    }
    out[p++] = 0x5d; // ]
    this.end = p;
  }

  private writeCsv(row: readonly unknown[]): void {
    const out = this.out;
    let p = this.end;
    p = ascii(out, p, String(row[0]));
    out[p++] = 0x2c;
    p = ascii(out, p, String(row[1]));
    for (let i = 0; i < this.types.length; i++) {
      out[p++] = 0x2c;
      p = this.value(p, row[i + 2], this.types[i] as ColumnType, '');
    }
    out[p++] = 0x0a;
    this.end = p;
  }

  private value(p: number, v: unknown, type: ColumnType, nullText: string): number {
    if (v === null || v === undefined) return ascii(this.out, p, nullText);
    const n = typeof v === 'number' ? v : Number(v);
    return type === 'float64' ? writeFloat64(this.out, p, n) : writeFloat32(this.out, p, n);
  }
}

/** Dates, instrument codes and `null` are ASCII: one byte per character. */
function ascii(out: Buffer, p: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[p + i] = text.charCodeAt(i);
  return p + text.length;
}
