import {
  type CsvLayout,
  type CsvProblem,
  CsvRowParser,
  type InfPolicy,
  type ParsedRow,
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
  options: { layout?: CsvLayout; inf?: InfPolicy; maxLineBytes?: number; cuts?: number[] } = {},
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
  const parser = new CsvRowParser({
    layout: options.layout ?? factors,
    inf: options.inf ?? 'reject',
    ...(options.maxLineBytes === undefined ? {} : { maxLineBytes: options.maxLineBytes }),
    onRow: (row, line) => {
      result.rows.push(row);
      result.canonical.push(line.toString('latin1'));
    },
    onProblem: (p) => result.problems.push(p),
  });
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
