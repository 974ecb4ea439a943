import { DateTextCache, isValidDateBytes } from './date.js';
import { canonicalInstrument, canonicalLine, isValidInstrumentBytes } from './instrument.js';
import { layoutFieldNames } from './layout.js';
import { RowEncoder } from './row-encoder.js';
import type { ColumnType, CsvLayout, CsvProblem, InfPolicy, ParsedRow } from './types.js';
import { FIELD_ERROR, FIELD_REWRITE, ValueFieldReader } from './value-field.js';

const MAX_VALUE_CHARS = 80;
const DATE_RULE = 'expected a real date YYYY-MM-DD';
const INSTRUMENT_RULE = 'expected 1-64 printable ASCII characters without , " \\';

/**
 * The reference decoder of a data line: a ParsedRow and its canonical bytes, or one CsvProblem — the first
 * found, checked in this order: CSV_CONTROL_CHAR / CSV_QUOTE (whichever byte comes
 * first), CSV_RAGGED, then field by field: CSV_EMPTY_FIELD, CSV_BAD_DATE, CSV_BAD_INSTRUMENT, and per value
 * CSV_BAD_NUMBER, VALUE_INFINITE, VALUE_OUT_OF_RANGE.
 */
export class RowDecoder {
  /** Set when decode() returns a row: the line itself when canonical, else the re-encoded line. */
  canonical: Buffer = Buffer.alloc(0);
  /** Set when decode() returns undefined. */
  problem: CsvProblem | undefined;
  private readonly names: string[];
  private readonly types: ColumnType[];
  private readonly fieldCount: number;
  private readonly ends: Int32Array;
  private readonly reader: ValueFieldReader;
  private readonly encoder: RowEncoder;
  private readonly dates = new DateTextCache();
  // The line being decoded, so the problem helpers need only positions.
  private buf: Buffer = Buffer.alloc(0);
  private line = 0;

  constructor(
    private readonly layout: CsvLayout,
    inf: InfPolicy,
    ownDigits = false,
  ) {
    this.names = layoutFieldNames(layout);
    this.types = layout.kind === 'factors' ? layout.columns.map((c) => c.type) : [];
    this.fieldCount = this.names.length;
    this.ends = new Int32Array(this.fieldCount);
    this.reader = new ValueFieldReader(inf, ownDigits);
    this.encoder = new RowEncoder(layout);
  }

  /** Decodes one data line (`buf[end]` is its `\n`): a row, or undefined with `problem` set. */
  decode(buf: Buffer, start: number, end: number, line: number): ParsedRow | undefined {
    this.problem = undefined;
    this.buf = buf;
    this.line = line;
    if (!this.split(start, end)) return undefined;
    const ends = this.ends;
    const dateEnd = ends[0]!;
    if (!this.checkField(start, dateEnd, 1)) return undefined;
    const date = this.dates.read(buf, start);
    if (this.layout.kind === 'calendar') {
      this.canonical = buf.subarray(start, end + 1);
      return { line, date, instrument: '', values: [], infinities: 0 };
    }
    const instrumentEnd = ends[1]!;
    if (!this.checkField(dateEnd + 1, instrumentEnd, 2)) return undefined;
    const instrument = canonicalInstrument(buf.toString('latin1', dateEnd + 1, instrumentEnd));
    const row: ParsedRow = { line, date, instrument, values: [], infinities: 0 };
    const rewrite = this.readValues(instrumentEnd, row);
    if (rewrite < 0) return undefined;
    if (rewrite === 0) {
      this.canonical = canonicalLine(buf, start, end, dateEnd + 1, instrumentEnd);
    } else {
      const out = Buffer.allocUnsafe(this.encoder.maxLineBytes);
      this.canonical = out.subarray(0, this.encoder.encodeRow(out, 0, date, instrument, row.values));
    }
    return row;
  }

  /** Fills row.values; returns the count of rewritten fields, or -1 after setting a problem. */
  private readValues(after: number, row: ParsedRow): number {
    const reader = this.reader;
    let rewrite = 0;
    let fieldStart = after + 1;
    for (let i = 2; i < this.fieldCount; i++) {
      const fieldEnd = this.ends[i]!;
      const status = reader.read(this.buf, fieldStart, fieldEnd, this.types[i - 2]!);
      if (status === FIELD_ERROR) {
        this.fail(reader.error, reader.message, i + 1, fieldStart, fieldEnd);
        return -1;
      }
      if (status === FIELD_REWRITE) rewrite++;
      if (reader.infinity) row.infinities++;
      const v = reader.value;
      row.values.push(Number.isNaN(v) ? null : v);
      fieldStart = fieldEnd + 1;
    }
    return rewrite;
  }

  /** Records field ends; refuses control characters, quotes and a wrong field count. */
  private split(start: number, end: number): boolean {
    const buf = this.buf;
    const ends = this.ends;
    const expected = this.fieldCount;
    let field = 0;
    let fieldStart = start;
    for (let i = start; i < end; i++) {
      const b = buf[i]!;
      // Digits, letters, '.', '-' are all above ','; one comparison lets them through.
      if (b > 0x2c && b !== 0x7f) continue;
      if (b === 0x2c) {
        if (field < expected) ends[field] = i;
        field++;
        fieldStart = i + 1;
      } else if (b === 0x22) {
        return this.failInField(
          'CSV_QUOTE',
          'quote character: the payload is never quoted',
          field,
          fieldStart,
          end,
        );
      } else if (b < 0x20 || b === 0x7f) {
        const what = `control character 0x${b.toString(16).padStart(2, '0')}`;
        return this.failInField('CSV_CONTROL_CHAR', what, field, fieldStart, end);
      }
    }
    if (field + 1 !== expected) {
      const message = `expected ${expected} fields, got ${field + 1}`;
      return this.fail('CSV_RAGGED', message, Math.min(field + 1, expected) + 1, start, end);
    }
    ends[field] = end;
    return true;
  }

  private checkField(start: number, end: number, column: 1 | 2): boolean {
    if (start === end) return this.fail('CSV_EMPTY_FIELD', 'empty field', column, start, end);
    if (column === 1) {
      return isValidDateBytes(this.buf, start, end) || this.fail('CSV_BAD_DATE', DATE_RULE, 1, start, end);
    }
    return (
      isValidInstrumentBytes(this.buf, start, end) ||
      this.fail('CSV_BAD_INSTRUMENT', INSTRUMENT_RULE, 2, start, end)
    );
  }

  /** A problem in the 0-based `field` that starts at `start`; its text runs to the next comma. */
  private failInField(code: string, message: string, field: number, start: number, lineEnd: number): false {
    const comma = this.buf.indexOf(0x2c, start);
    return this.fail(code, message, field + 1, start, comma < 0 || comma > lineEnd ? lineEnd : comma);
  }

  /** Sets `problem`: 1-based column, the field's name, the text `buf[start..end)` cut to 80 characters. */
  private fail(code: string, message: string, column: number, start: number, end: number): false {
    const field = this.names[column - 1];
    const text = this.buf.toString('utf8', start, Math.min(end, start + 4 * MAX_VALUE_CHARS));
    const where = field === undefined ? '' : ` (${field})`;
    this.problem = {
      code,
      message: `${message}${where}`,
      line: this.line,
      column,
      value: text.slice(0, MAX_VALUE_CHARS),
    };
    if (field !== undefined) this.problem.field = field;
    return false;
  }
}
