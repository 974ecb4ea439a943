import { FastRowDecoder } from './fast-row-decoder.js';
import { csvHeader, layoutFieldNames } from './layout.js';
import { LineSplitter } from './line-splitter.js';
import type {
  CsvLayout,
  CsvProblem,
  MysqlParseOptions,
  ParsedRow,
  ParseOptions,
  ProblemHandler,
  RowHandler,
  RowValues,
} from './types.js';

/** Default longest line: 1 MiB, far above 158 columns of 25 bytes, far below a memory problem. */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

const BOM = [0xef, 0xbb, 0xbf];

/**
 * Streaming parser of the canonical payload (uncompressed bytes in, any chunking).
 *
 * Fatal problems stop parsing (`fatal` is set, later input is ignored), reported through `onProblem` too:
 * CSV_BOM (starts with EF BB BF), CSV_EMPTY (no header line), CSV_QUOTED_HEADER, CSV_HEADER (header differs
 * from the layout), CSV_CRLF (a `\r\n` line end), CSV_LINE_TOO_LONG (over `maxLineBytes`, never buffered).
 * Row problems skip the row and parsing goes on: CSV_CONTROL_CHAR, CSV_QUOTE, CSV_RAGGED, CSV_EMPTY_FIELD,
 * CSV_BAD_DATE, CSV_BAD_INSTRUMENT, CSV_BAD_NUMBER, VALUE_INFINITE, VALUE_OUT_OF_RANGE (one per row: the
 * first found). Lines count from 1 with the header; columns are 1-based field indexes. Invalid UTF-8 needs
 * no code of its own: only the header may hold non-ASCII bytes, and it must equal the layout's.
 *
 * Accepted rows go to `onRow` with their canonical bytes: a view of the input when the line was canonical
 * already (valid only until the chunk's memory is reused: copy it to keep it), re-encoded otherwise.
 */
export class CsvRowParser<V extends RowValues = (number | null)[]> {
  onRow: RowHandler<V>;
  onProblem: ProblemHandler;
  private readonly splitter: LineSplitter;
  private readonly decoder: FastRowDecoder;
  private readonly header: Buffer;
  private fatalProblem: CsvProblem | undefined;
  private lineCount = 0;
  private rowCount = 0;
  private seen = 0; // bytes of the stream seen, up to the length of a BOM
  private ended = false;

  constructor(options: ParseOptions);
  constructor(options: MysqlParseOptions, forMysql: true);
  constructor(
    private readonly options: ParseOptions | MysqlParseOptions,
    forMysql = false,
  ) {
    const max = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    if (!Number.isInteger(max) || max < 16)
      throw new RangeError(`maxLineBytes must be an integer >= 16, got ${max}`);
    this.onRow = (options.onRow as RowHandler<V> | undefined) ?? (() => {});
    this.onProblem = options.onProblem ?? (() => {});
    this.decoder = new FastRowDecoder(options.layout, options.inf, forMysql);
    this.header = Buffer.from(csvHeader(options.layout), 'utf8');
    this.splitter = new LineSplitter(
      max,
      (buf, start, end, newline) => this.line(buf, start, end, newline),
      () => this.stop('CSV_LINE_TOO_LONG', `line longer than ${max} bytes`, this.lineCount + 1),
    );
  }

  /**
   * The parser whose rows go to MySQL (MysqlParseOptions): values in one Float64Array reused for every row,
   * numbers that MySQL reads as the parser does passed on as written. Same checks, same problems.
   */
  static forMysql(options: MysqlParseOptions): CsvRowParser<Float64Array> {
    return new CsvRowParser<Float64Array>(options, true);
  }

  /** The problem that stopped parsing, if any. */
  get fatal(): CsvProblem | undefined {
    return this.fatalProblem;
  }

  /** Lines seen so far, the header included. */
  get lines(): number {
    return this.lineCount;
  }

  /** Rows accepted (passed to onRow) so far. */
  get rows(): number {
    return this.rowCount;
  }

  /** Feeds bytes; calls onRow / onProblem for each complete line. */
  push(chunk: Uint8Array): void {
    if (this.ended) throw new Error('CsvRowParser.push() after end()');
    if (this.fatalProblem !== undefined || chunk.length === 0) return;
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.seen < BOM.length && this.startsWithBom(buf)) return;
    this.splitter.push(buf);
  }

  /** Ends the input: flushes a last line without `\n`; CSV_EMPTY when there was no header at all. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.fatalProblem !== undefined) return;
    this.splitter.end();
    if (this.lineCount === 0 && this.fatalProblem === undefined) this.stop('CSV_EMPTY', 'no header line', 1);
  }

  /** Tracks the first three bytes of the stream across chunks; stops on a byte order mark. */
  private startsWithBom(buf: Buffer): boolean {
    for (let i = 0; i < buf.length && this.seen < BOM.length; i++, this.seen++) {
      if (buf[i] !== BOM[this.seen]) {
        this.seen = BOM.length; // not a BOM: stop looking
        return false;
      }
    }
    if (this.seen < BOM.length) return false;
    this.stop('CSV_BOM', 'the payload starts with a byte order mark (EF BB BF): write UTF-8 without BOM', 1);
    return true;
  }

  private line(buf: Buffer, start: number, end: number, newline: boolean): void {
    const line = ++this.lineCount;
    if (newline && end > start && buf[end - 1] === 0x0d) {
      this.stop('CSV_CRLF', 'line ends with \\r\\n: the payload uses \\n only', line);
      return;
    }
    if (line === 1) {
      this.checkHeader(buf, start, end);
      return;
    }
    const row = this.decoder.decode(buf, start, end, line);
    if (row === undefined) {
      this.onProblem(this.decoder.problem!);
      return;
    }
    this.rowCount++;
    // The decoder made the values V: a fresh array, or the Float64Array of a forMysql parser.
    this.onRow(row as ParsedRow<V>, this.decoder.canonical);
  }

  private checkHeader(buf: Buffer, start: number, end: number): void {
    const quote = buf.indexOf(0x22, start);
    if (start === end) {
      this.stop('CSV_EMPTY', 'the header line is empty', 1);
    } else if (quote >= 0 && quote < end) {
      this.stop('CSV_QUOTED_HEADER', 'the header holds a quote character: the payload is never quoted', 1);
    } else if (
      end - start !== this.header.length ||
      buf.compare(this.header, 0, this.header.length, start, end)
    ) {
      this.stop('CSV_HEADER', ...headerDifference(this.options.layout, buf.toString('utf8', start, end)));
    }
  }

  private stop(code: string, message: string, line: number, column?: number, field?: string): void {
    const problem: CsvProblem = { code, message, line, fatal: true };
    if (column !== undefined) problem.column = column;
    if (field !== undefined) problem.field = field;
    this.fatalProblem = problem;
    this.splitter.stop();
    this.onProblem(problem);
  }
}

/** Arguments for stop(): the first column where the header differs from the layout. */
function headerDifference(layout: CsvLayout, got: string): [string, number, number, string | undefined] {
  const expected = layoutFieldNames(layout);
  const actual = got.split(',');
  let i = 0;
  while (i < expected.length && i < actual.length && expected[i] === actual[i]) i++;
  const want = expected[i] === undefined ? 'no more columns' : JSON.stringify(expected[i]);
  const have = actual[i] === undefined ? 'no more columns' : JSON.stringify(actual[i]!.slice(0, 80));
  const counts =
    expected.length === actual.length ? '' : ` (expected ${expected.length} columns, got ${actual.length})`;
  const message = `header differs from the manifest at column ${i + 1}: expected ${want}, got ${have}${counts}`;
  return [message, 1, i + 1, expected[i]];
}
