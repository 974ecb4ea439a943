import { TerminalError } from '../../core/errors.js';

/** A value column of an export: its position, its name (last column level) and its group (first level). */
export interface ExportColumn {
  position: number;
  name: string;
  group: string;
}

/** Where the index and the value columns are in an export's rows. */
export interface ExportHeader {
  datetime: number;
  instrument: number;
  columns: ExportColumn[];
}

const MAX_HEADER_ROWS = 5;

/**
 * Reads the header rows pandas `DataFrame.to_csv` writes for a qlib handler's output (index
 * `datetime, instrument`, microsoft/qlib qlib/contrib/data/handler.py):
 * - single-level columns: one row `datetime,instrument,KMID,KLEN,…`;
 * - MultiIndex columns: one row per level (`,,feature,feature,…,label` then `,,KMID,KLEN,…,LABEL0`), then
 *   a row of index names with the rest empty (`datetime,instrument,,,…`).
 * `push` takes rows until the header is complete and returns it; data rows follow.
 */
export class ExportHeaderReader {
  private readonly levels: string[][] = [];

  constructor(private readonly path: string) {}

  push(row: readonly string[], line: number): ExportHeader | undefined {
    const datetime = row.indexOf('datetime');
    const instrument = row.indexOf('instrument');
    if (datetime < 0 || instrument < 0) {
      this.levels.push([...row]);
      if (this.levels.length >= MAX_HEADER_ROWS)
        throw this.fail(line, 'no header row names datetime and instrument');
      return undefined;
    }
    const isIndex = (i: number) => i === datetime || i === instrument;
    if (this.levels.length === 0) {
      return { datetime, instrument, columns: columnsOf(row.length, isIndex, (i) => [row[i] ?? '']) };
    }
    if (row.some((field, i) => !isIndex(i) && field !== '')) {
      throw this.fail(
        line,
        'after column-level rows, expected the index-names row (datetime,instrument,,,…)',
      );
    }
    const width = Math.max(...this.levels.map((l) => l.length));
    if (this.levels.some((l) => l.length !== width) || row.length !== width) {
      throw this.fail(line, 'header rows have different numbers of fields');
    }
    return {
      datetime,
      instrument,
      columns: columnsOf(width, isIndex, (i) => this.levels.map((l) => l[i] ?? '')),
    };
  }

  private fail(line: number, why: string): TerminalError {
    return new TerminalError('EXPORT_HEADER', `${this.path} line ${line}: ${why}`, {
      details: { path: this.path, line },
    });
  }
}

function columnsOf(
  width: number,
  isIndex: (i: number) => boolean,
  labels: (i: number) => string[],
): ExportColumn[] {
  const out: ExportColumn[] = [];
  for (let i = 0; i < width; i++) {
    if (isIndex(i)) continue;
    const levels = labels(i);
    out.push({ position: i, name: levels[levels.length - 1] as string, group: levels[0] as string });
  }
  return out;
}

/**
 * A parquet column name pandas flattened from a MultiIndex: `('feature', 'KMID')` → group feature, name KMID.
 * Plain names stay as they are.
 */
export function splitTupleName(name: string): { name: string; group: string } {
  const m = /^\(\s*(.*?)\s*,?\s*\)$/.exec(name);
  if (m === null) return { name, group: name };
  const parts = [...(m[1] as string).matchAll(/'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g)].map(
    (p) => (p[1] ?? p[2]) as string,
  );
  if (parts.length === 0) return { name, group: name };
  return { name: parts[parts.length - 1] as string, group: parts[0] as string };
}
