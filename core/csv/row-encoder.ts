import { TerminalError } from '../errors.js';
import { isValidDate } from './date.js';
import {
  MAX_FLOAT32_BYTES,
  MAX_FLOAT64_BYTES,
  writeFloat32,
  writeFloat64,
  writeNull,
} from './float-format.js';
import { isInstrumentByte, MAX_INSTRUMENT_LENGTH } from './instrument.js';
import { assertLayout } from './layout.js';
import type { CsvLayout } from './types.js';

/**
 * Writes canonical data lines into a caller's buffer: `date,instrument,v1,…,vn\n` (factors) or `date\n`
 * (calendar). Validates what it writes, so a writer can never produce a payload the parser would refuse:
 * CSV_BAD_DATE, CSV_BAD_INSTRUMENT, CSV_RAGGED (value count), VALUE_INFINITE (±Infinity; apply the inf policy
 * first), VALUE_OUT_OF_RANGE (a finite double beyond float32) — all TerminalError.
 */
export class RowEncoder {
  /** Bytes one line can take at most; the caller provides this much room. */
  readonly maxLineBytes: number;
  private readonly names: string[];
  private readonly float64: boolean[];
  private lastDate = '';

  constructor(private readonly layout: CsvLayout) {
    assertLayout(layout);
    const columns = layout.kind === 'factors' ? layout.columns : [];
    this.names = columns.map((c) => c.name);
    this.float64 = columns.map((c) => c.type === 'float64');
    const values = this.float64.reduce(
      (sum, f64) => sum + 1 + (f64 ? MAX_FLOAT64_BYTES : MAX_FLOAT32_BYTES),
      0,
    );
    this.maxLineBytes = 10 + 1 + MAX_INSTRUMENT_LENGTH + values + 1;
  }

  /** Encodes a factors row at `start`; NaN and null become `\N`. Returns the end (after the `\n`). */
  encodeRow(
    out: Buffer,
    start: number,
    date: string,
    instrument: string,
    values: ArrayLike<number | null>,
  ): number {
    if (this.layout.kind !== 'factors') throw new TypeError('encodeRow needs a factors layout');
    const count = this.names.length;
    if (values.length !== count) {
      throw new TerminalError(
        'CSV_RAGGED',
        `${describe(date, instrument)}: ${values.length} values, expected ${count}`,
      );
    }
    let pos = this.writeDate(out, start, date);
    out[pos++] = 0x2c;
    pos = writeInstrument(out, pos, instrument, date);
    for (let i = 0; i < count; i++) {
      out[pos++] = 0x2c;
      const v = values[i];
      if (v === null || v === undefined || Number.isNaN(v)) {
        pos = writeNull(out, pos);
        continue;
      }
      const f64 = this.float64[i];
      const x = f64 ? v : Math.fround(v);
      if (x === Infinity || x === -Infinity) this.refuse(v, i, date, instrument);
      pos = f64 ? writeFloat64(out, pos, v) : writeFloat32(out, pos, v);
    }
    out[pos] = 0x0a;
    return pos + 1;
  }

  /** Encodes a calendar row at `start`; returns the end (after the `\n`). */
  encodeCalendarRow(out: Buffer, start: number, date: string): number {
    if (this.layout.kind !== 'calendar') throw new TypeError('encodeCalendarRow needs a calendar layout');
    const pos = this.writeDate(out, start, date);
    out[pos] = 0x0a;
    return pos + 1;
  }

  /** An infinite value, or a finite double that float32 cannot hold. */
  private refuse(v: number, column: number, date: string, instrument: string): never {
    const where = `${describe(date, instrument)}, column ${this.names[column]}`;
    throw Number.isFinite(v)
      ? new TerminalError('VALUE_OUT_OF_RANGE', `${where}: value outside the float32 range`)
      : new TerminalError(
          'VALUE_INFINITE',
          `${where}: infinite value (apply the dataset's inf policy first)`,
        );
  }

  private writeDate(out: Buffer, start: number, date: string): number {
    if (date !== this.lastDate) {
      if (!isValidDate(date)) {
        throw new TerminalError(
          'CSV_BAD_DATE',
          `bad date ${JSON.stringify(date)}: expected a real YYYY-MM-DD`,
        );
      }
      this.lastDate = date;
    }
    for (let i = 0; i < 10; i++) out[start + i] = date.charCodeAt(i);
    return start + 10;
  }
}

function writeInstrument(out: Buffer, start: number, instrument: string, date: string): number {
  const length = instrument.length;
  let ok = length >= 1 && length <= MAX_INSTRUMENT_LENGTH;
  for (let i = 0; ok && i < length; i++) {
    const c = instrument.charCodeAt(i);
    ok = isInstrumentByte(c);
    out[start + i] = c;
  }
  if (!ok) {
    throw new TerminalError(
      'CSV_BAD_INSTRUMENT',
      `${describe(date, instrument)}: instrument must be 1-64 printable ASCII characters without , " \\`,
    );
  }
  return start + length;
}

function describe(date: string, instrument: string): string {
  return `row ${date} ${JSON.stringify(instrument.slice(0, 80))}`;
}
