import { DateTextCache, isValidDateBytes } from './date.js';
import { canonicalInstrument, canonicalLine, isInstrumentByte, MAX_INSTRUMENT_LENGTH } from './instrument.js';
import { RowDecoder } from './row-decoder.js';
import { RowEncoder } from './row-encoder.js';
import type { ColumnType, CsvLayout, CsvProblem, InfPolicy, ParsedRow } from './types.js';
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

  constructor(
    private readonly layout: CsvLayout,
    inf: InfPolicy,
  ) {
    this.reference = new RowDecoder(layout, inf);
    this.reader = new ValueFieldReader(inf);
    this.encoder = new RowEncoder(layout);
    this.types = layout.kind === 'factors' ? layout.columns.map((c) => c.type) : [];
  }

  /** Decodes one data line (`buf[end]` is its `\n`): a row, or undefined with `problem` set. */
  decode(buf: Buffer, start: number, end: number, line: number): ParsedRow | undefined {
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
    return checked;
  }

  private fastCalendar(buf: Buffer, start: number, end: number, line: number): ParsedRow | undefined {
    if (end - start !== 10 || !isValidDateBytes(buf, start, end)) return undefined;
    this.canonical = buf.subarray(start, end + 1);
    return { line, date: this.dates.read(buf, start), instrument: '', values: [], infinities: 0 };
  }

  private fast(buf: Buffer, start: number, end: number, line: number): ParsedRow | undefined {
    const dateEnd = start + 10;
    if (dateEnd >= end || buf[dateEnd] !== 0x2c || !isValidDateBytes(buf, start, dateEnd)) return undefined;
    let pos = dateEnd + 1;
    const limit = Math.min(end, pos + MAX_INSTRUMENT_LENGTH + 1);
    while (pos < limit && isInstrumentByte(buf[pos]!)) pos++;
    if (pos === dateEnd + 1 || pos - dateEnd - 1 > MAX_INSTRUMENT_LENGTH) return undefined;
    const instrumentEnd = pos;
    const values: (number | null)[] = [];
    const rewrite = this.readValues(buf, pos, end, values);
    if (rewrite < 0) return undefined;
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
  private readValues(buf: Buffer, from: number, end: number, values: (number | null)[]): number {
    const reader = this.reader;
    const types = this.types;
    let rewrite = 0;
    let pos = from;
    for (let i = 0; i < types.length; i++) {
      if (pos >= end || buf[pos] !== 0x2c) return -1;
      const field = pos + 1;
      if (buf[field] === 0x5c && buf[field + 1] === 0x4e) {
        values.push(null); // `\N`; whatever follows must be the next separator
        pos = field + 2;
        continue;
      }
      pos = reader.readNumber(buf, field, end, types[i]!);
      if (pos < 0 || reader.status === FIELD_ERROR) return -1;
      if (reader.status === FIELD_REWRITE) rewrite++;
      values.push(reader.value);
    }
    return pos === end ? rewrite : -1;
  }
}
