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

/** One accepted data row. */
export interface ParsedRow {
  /** 1-based line number in the payload (the header is line 1). */
  line: number;
  /** `YYYY-MM-DD`. */
  date: string;
  /** '' for the calendar layout. */
  instrument: string;
  /** One entry per value column, in layout order: the parsed number (float32 columns rounded), or null. */
  values: (number | null)[];
  /** How many infinity tokens became NULL under the `inf: 'null'` policy. */
  infinities: number;
}

/** Called for each accepted row with its canonical bytes (including the final `\n`). */
export type RowHandler = (row: ParsedRow, canonicalLine: Buffer) => void;

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
