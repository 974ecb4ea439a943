import { DateTextCache, isValidDateBytes } from './date.js';
import { canonicalInstrument, canonicalLine, isInstrumentByte, MAX_INSTRUMENT_LENGTH } from './instrument.js';
import { PlainDecimal } from './plain-decimal.js';
import { RowDecoder } from './row-decoder.js';
import { RowEncoder } from './row-encoder.js';
import type { ColumnType, CsvLayout, CsvProblem, InfPolicy, ParsedRow, RowValues } from './types.js';
import { FIELD_ERROR, FIELD_REWRITE, ValueFieldReader } from './value-field.js';

/**
 * The parser's hot path, same contract as RowDecoder. A line made only of a valid date, a valid instrument
 * and numbers or `\N` is decoded in one pass, each field's end found where its text stops. Anything else —
 * NaN and infinity tokens, every kind of problem — goes to RowDecoder, the reference, which reports the
 * first problem in its documented order. The fuzz test checks that the two agree line by line.
 */
export class FastRowDecoder {
  /** Set when decode() returns a row: the line itself when canonical, else the re-encoded line. */
  canonical: Buffer = Buffer.alloc(0);
  /** Set when decode() returns undefined. */
  problem: CsvProblem | undefined;
  private readonly reference: RowDecoder;
  private readonly reader: ValueFieldReader;
  private readonly encoder: RowEncoder;
  private readonly types: ColumnType[];
  private readonly dates = new DateTextCache();
  /** The values of the row being decoded (NaN = NULL): no boxed number per value. */
  private readonly scratch: Float64Array;
  /** With `forMysql`, per column whether a plain decimal may take the shortcut (float32 columns). */
  private readonly plainFloat32: boolean[];
  private readonly plain = new PlainDecimal();

  /** `forMysql`: rows share `scratch` as their values, and numbers keep their own digits (MysqlParseOptions). */
  constructor(
    private readonly layout: CsvLayout,
    inf: InfPolicy,
    private readonly forMysql = false,
  ) {
    this.reference = new RowDecoder(layout, inf, forMysql);
    this.reader = new ValueFieldReader(inf, forMysql);
    this.encoder = new RowEncoder(layout);
    this.types = layout.kind === 'factors' ? layout.columns.map((c) => c.type) : [];
    this.scratch = new Float64Array(this.types.length);
    this.plainFloat32 = this.types.map((type) => forMysql && type === 'float32');
  }

  /**
   * Decodes one data line (`buf[end]` is its `\n`): a row, or undefined with `problem` set. The row's values
   * are a fresh array, or with `forMysql` the shared Float64Array.
   */
  decode(buf: Buffer, start: number, end: number, line: number): ParsedRow<RowValues> | undefined {
    const row =
      this.layout.kind === 'calendar'
        ? this.fastCalendar(buf, start, end, line)
        : this.fast(buf, start, end, line);
    if (row !== undefined) {
      this.problem = undefined;
      return row;
    }
    const checked = this.reference.decode(buf, start, end, line);
    this.canonical = this.reference.canonical;
    this.problem = this.reference.problem;
    if (checked === undefined || !this.forMysql) return checked;
    const values = this.scratch;
    for (let i = 0; i < values.length; i++) values[i] = checked.values[i] ?? Number.NaN;
    return { ...checked, values };
  }

  private fastCalendar(
    buf: Buffer,
    start: number,
    end: number,
    line: number,
  ): ParsedRow<RowValues> | undefined {
    if (end - start !== 10 || !isValidDateBytes(buf, start, end)) return undefined;
    this.canonical = buf.subarray(start, end + 1);
    const values = this.forMysql ? this.scratch : [];
    return { line, date: this.dates.read(buf, start), instrument: '', values, infinities: 0 };
  }

  private fast(buf: Buffer, start: number, end: number, line: number): ParsedRow<RowValues> | undefined {
    const dateEnd = start + 10;
    if (dateEnd >= end || buf[dateEnd] !== 0x2c || !isValidDateBytes(buf, start, dateEnd)) return undefined;
    let pos = dateEnd + 1;
    const limit = Math.min(end, pos + MAX_INSTRUMENT_LENGTH + 1);
    while (pos < limit && isInstrumentByte(buf[pos]!)) pos++;
    if (pos === dateEnd + 1 || pos - dateEnd - 1 > MAX_INSTRUMENT_LENGTH) return undefined;
    const instrumentEnd = pos;
    const scratch = this.scratch;
    const rewrite = this.readValues(buf, pos, end, scratch);
    if (rewrite < 0) return undefined;
    const values = this.forMysql ? scratch : nullableArray(scratch);
    const date = this.dates.read(buf, start);
    const instrument = canonicalInstrument(buf.toString('latin1', dateEnd + 1, instrumentEnd));
    if (rewrite === 0) {
      this.canonical = canonicalLine(buf, start, end, dateEnd + 1, instrumentEnd);
    } else {
      const out = Buffer.allocUnsafe(this.encoder.maxLineBytes);
      this.canonical = out.subarray(0, this.encoder.encodeRow(out, 0, date, instrument, values));
    }
    return { line, date, instrument, values, infinities: 0 };
  }

  /** Reads `,value` per column from `pos`, which must end the line exactly; rewritten count, or -1. */
  private readValues(buf: Buffer, from: number, end: number, values: Float64Array): number {
    const reader = this.reader;
    const plain = this.plain;
    const plainFloat32 = this.plainFloat32;
    const types = this.types;
    let rewrite = 0;
    let pos = from;
    for (let i = 0; i < types.length; i++) {
      if (pos >= end || buf[pos] !== 0x2c) return -1;
      const field = pos + 1;
      if (buf[field] === 0x5c && buf[field + 1] === 0x4e) {
        values[i] = Number.NaN; // `\N`; whatever follows must be the next separator
        pos = field + 2;
        continue;
      }
      if (plainFloat32[i] === true) {
        const next = plain.read(buf, field, end);
        if (next >= 0) {
          values[i] = plain.value;
          pos = next;
          continue;
        }
      }
      pos = reader.readNumber(buf, field, end, types[i]!);
      if (pos < 0 || reader.status === FIELD_ERROR) return -1;
      if (reader.status === FIELD_REWRITE) rewrite++;
      values[i] = reader.value;
    }
    return pos === end ? rewrite : -1;
  }
}

function nullableArray(values: Float64Array): (number | null)[] {
  const out: (number | null)[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    out[i] = Number.isNaN(v) ? null : v;
  }
  return out;
}
