import {
  type CsvLayout,
  type CsvProblem,
  CsvRowParser,
  type InfPolicy,
  type ParsedRow,
  type RowValues,
} from '../../core/csv/index.js';

export interface ParseResult {
  rows: ParsedRow[];
  /** Canonical bytes of each row, copied. */
  canonical: string[];
  problems: CsvProblem[];
  fatal: CsvProblem | undefined;
  lines: number;
  rowCount: number;
}

export const factors: CsvLayout = {
  kind: 'factors',
  columns: [
    { name: 'KMID', type: 'float32' },
    { name: 'VWAP', type: 'float64' },
  ],
};

export const HEADER = 'datetime,instrument,KMID,VWAP\n';

/** Parses `input` fed in the given chunk sizes (one chunk when omitted). */
export function parse(
  input: string | Buffer,
  options: {
    layout?: CsvLayout;
    inf?: InfPolicy;
    maxLineBytes?: number;
    cuts?: number[];
    /** CsvRowParser.forMysql: the rows' shared Float64Array is copied, NaN back to null */
    forMysql?: boolean;
  } = {},
): ParseResult {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const result: ParseResult = {
    rows: [],
    canonical: [],
    problems: [],
    fatal: undefined,
    lines: 0,
    rowCount: 0,
  };
  const common = {
    layout: options.layout ?? factors,
    inf: options.inf ?? 'reject',
    ...(options.maxLineBytes === undefined ? {} : { maxLineBytes: options.maxLineBytes }),
    onProblem: (p: CsvProblem) => result.problems.push(p),
  };
  const keep = (row: ParsedRow<RowValues>, line: Buffer) => {
    const values = Array.from(row.values, (v) => (v === null || Number.isNaN(v) ? null : v));
    result.rows.push({ ...row, values });
    result.canonical.push(line.toString('latin1'));
  };
  const parser =
    options.forMysql === true
      ? CsvRowParser.forMysql({ ...common, onRow: keep })
      : new CsvRowParser({ ...common, onRow: keep });
  let at = 0;
  for (const cut of options.cuts ?? []) {
    parser.push(bytes.subarray(at, cut));
    at = cut;
  }
  parser.push(bytes.subarray(at));
  parser.end();
  result.fatal = parser.fatal;
  result.lines = parser.lines;
  result.rowCount = parser.rows;
  return result;
}
