/**
 * Shapes of the canonical CSV payload (docs/batch-format.md): gzip'd CSV, UTF-8 without BOM, `\n` line
 * ends (the last line may lack it), `,` separators, no quoting anywhere.
 */

/** Storage type of a factor column: FLOAT (qlib's own precision) or DOUBLE. */
export type ColumnType = 'float32' | 'float64';

/** One value column, as the manifest lists it. */
export interface ColumnSpec {
  name: string;
  type: ColumnType;
}

/**
 * What a payload holds:
 * - `factors`: header `datetime,instrument,<c1>,…,<cn>`, the manifest's columns in order;
 * - `calendar`: header `datetime`, one trading date per row.
 */
export type CsvLayout = { kind: 'factors'; columns: readonly ColumnSpec[] } | { kind: 'calendar' };

/** What an infinity token means for a dataset: a rejected row, or NULL (counted, so a warning can be raised). */
export type InfPolicy = 'reject' | 'null';

/** One problem in a payload, located by line (1-based, the header is line 1) and field. */
export interface CsvProblem {
  /** Stable code, e.g. CSV_RAGGED, CSV_BAD_NUMBER, VALUE_INFINITE (see parser.ts for the list). */
  code: string;
  message: string;
  line: number;
  /** 1-based index of the field on the line. */
  column?: number;
  /** Name of that field's column (`datetime`, `instrument` or a value column). */
  field?: string;
  /** The offending text, truncated to 80 characters. */
  value?: string;
  /** True when parsing stopped here (see CsvRowParser.fatal). */
  fatal?: boolean;
}

/** A row's values: one per value column, in layout order; null (or NaN) is NULL. */
export type RowValues = ArrayLike<number | null>;

/**
 * One accepted data row. `values` is a fresh array per row, or, from a parser built with `forMysql`, one
 * Float64Array reused for every row (NaN = NULL): read it inside the row handler, copy it to keep it.
 */
export interface ParsedRow<V extends RowValues = (number | null)[]> {
  /** 1-based line number in the payload (the header is line 1). */
  line: number;
  /** `YYYY-MM-DD`. */
  date: string;
  /** '' for the calendar layout. */
  instrument: string;
  /** One entry per value column, in layout order: the parsed number (float32 columns rounded), or null. */
  values: V;
  /** How many infinity tokens became NULL under the `inf: 'null'` policy. */
  infinities: number;
}

/** Called for each accepted row with its canonical bytes (including the final `\n`). */
export type RowHandler<V extends RowValues = (number | null)[]> = (
  row: ParsedRow<V>,
  canonicalLine: Buffer,
) => void;

/** Called for each problem, row-level and fatal. */
export type ProblemHandler = (problem: CsvProblem) => void;

export interface ParseOptions {
  layout: CsvLayout;
  inf: InfPolicy;
  /** Longest accepted line in bytes, without its `\n`; longer is fatal (CSV_LINE_TOO_LONG). Default 1 MiB. */
  maxLineBytes?: number;
  onRow?: RowHandler;
  onProblem?: ProblemHandler;
}

/**
 * Options of the parser that feeds MySQL (CsvRowParser.forMysql): the same checks and problems, two differences
 * that save work per value. Values come in one Float64Array reused for every row (NaN = NULL). And a number is
 * passed on as written when it is the plain spelling of its own digits (no `+`, no trailing zeros, the canonical
 * exponent form) with at most 15 significant digits and a normal value — e.g. a float32 value written with
 * float64's digits, `0.10000000149011612` — instead of being rewritten to its shortest form: MySQL reads any such
 * decimal to the correctly rounded double and rounds that to FLOAT exactly as the parser does (Math.fround), so
 * the stored value is the same, bit for bit (test/ingest/load.test.ts). Every other spelling is still rewritten.
 */
export interface MysqlParseOptions extends Omit<ParseOptions, 'onRow'> {
  onRow?: RowHandler<Float64Array>;
}
