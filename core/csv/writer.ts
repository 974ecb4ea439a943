import { csvHeader } from './layout.js';
import { RowEncoder } from './row-encoder.js';
import type { CsvLayout } from './types.js';

/** Size of the buffers the writer fills; a line larger than this gets a buffer of its own size. */
export const WRITER_CHUNK_BYTES = 64 * 1024;

/**
 * Builds a canonical payload (uncompressed): `header()` once, then `row()` or `calendarRow()` per row.
 * Bytes go straight into 64 KiB buffers; `take()` hands over everything written since the last take
 * without copying when it sits in one buffer. Typical use: after each row, if `pendingBytes >=
 * WRITER_CHUNK_BYTES`, write `take()` to the gzip stream; at the end, write the last `take()`.
 * Errors (TerminalError): CSV_BAD_DATE, CSV_BAD_INSTRUMENT, CSV_RAGGED, VALUE_INFINITE, VALUE_OUT_OF_RANGE;
 * a failed row writes nothing.
 */
export class CsvRowWriter {
  private readonly encoder: RowEncoder;
  private readonly done: Buffer[] = [];
  private doneBytes = 0;
  private buf: Buffer = Buffer.allocUnsafe(0);
  private start = 0;
  private pos = 0;
  private headerWritten = false;
  private rowCount = 0;

  constructor(private readonly layout: CsvLayout) {
    this.encoder = new RowEncoder(layout);
  }

  /** Data rows written so far. */
  get rows(): number {
    return this.rowCount;
  }

  /** Bytes written and not yet taken. */
  get pendingBytes(): number {
    return this.doneBytes + this.pos - this.start;
  }

  /** Writes the header line (`csvHeader(layout)` + `\n`); must come first and only once. */
  header(): void {
    if (this.headerWritten || this.rowCount > 0)
      throw new Error('CsvRowWriter.header() must be called once, first');
    const line = Buffer.from(`${csvHeader(this.layout)}\n`, 'utf8');
    this.reserve(line.length);
    this.pos += line.copy(this.buf, this.pos);
    this.headerWritten = true;
  }

  /** Writes one factors row; NaN becomes `\N` (NULL). */
  row(date: string, instrument: string, values: ArrayLike<number>): void {
    this.requireHeader();
    this.reserve(this.encoder.maxLineBytes);
    this.pos = this.encoder.encodeRow(this.buf, this.pos, date, instrument, values);
    this.rowCount++;
  }

  /** Writes one calendar row. */
  calendarRow(date: string): void {
    this.requireHeader();
    this.reserve(16);
    this.pos = this.encoder.encodeCalendarRow(this.buf, this.pos, date);
    this.rowCount++;
  }

  /** The bytes written since the last take() (possibly empty). */
  take(): Buffer {
    const tail = this.buf.subarray(this.start, this.pos);
    this.start = this.pos;
    if (this.done.length === 0) return tail;
    const all = Buffer.concat([...this.done, tail], this.doneBytes + tail.length);
    this.done.length = 0;
    this.doneBytes = 0;
    return all;
  }

  private requireHeader(): void {
    if (!this.headerWritten) throw new Error('CsvRowWriter: call header() before the first row');
  }

  /** Makes room for `bytes` more; earlier bytes are never moved or overwritten (take() shares them). */
  private reserve(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    if (this.pos > this.start) {
      this.done.push(this.buf.subarray(this.start, this.pos));
      this.doneBytes += this.pos - this.start;
    }
    this.buf = Buffer.allocUnsafe(Math.max(WRITER_CHUNK_BYTES, bytes));
    this.start = 0;
    this.pos = 0;
  }
}
