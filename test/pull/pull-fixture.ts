import { type ColumnSpec, CsvRowWriter } from '../../core/csv/index.js';
import { businessDays, makeBatch } from '../ingest/batch-builder.js';
import { float32Bits, type ProviderView } from './provider-reader.js';

/** The factor data the pull tests load and expect back: a few instruments, a few NULLs, instruments that start late and stop early. */
export const COLUMNS: ColumnSpec[] = [
  { name: 'KMID', type: 'float32' },
  { name: 'Roc5', type: 'float32' },
  { name: 'VOL', type: 'float32' },
  { name: 'big', type: 'float64' },
];
/** `n` instrument codes: SH600000… and, last, SZ000001 (two exchanges, upper-case as qlib writes them). */
export const codesOf = (n: number) =>
  Array.from({ length: n }, (_, i) => (i === n - 1 ? 'SZ000001' : `SH6${String(i).padStart(5, '0')}`));
export const CODES = codesOf(8);
export const DAYS = businessDays('2025-03-03', 14);

/** Who has a row on which day: SH600005 starts on day 3, SH600006 stops after day 6. */
export const hasRow = (d: number, i: number) => !(i === 5 && d < 3) && !(i === 6 && d > 6);

/** A value per (day, instrument, column, version); a NULL now and then, never a whole row of them. */
export function value(d: number, i: number, c: number, version: number): number | null {
  if ((d + i + c) % 11 === 0) return null;
  return ((d * 7919 + i * 104729 + c * 31 + version * 17) % 100_003) / 997 - 50 + version / 3;
}

export type Data = Map<string, Map<string, (number | null)[]>>;

/** Rows of days [from, to) into `data` at `version` (instruments in `only` at `version`, the rest at 1). */
export function rowsInto(
  data: Data,
  from: number,
  to: number,
  version: number,
  only?: number[],
  codes = CODES,
): void {
  for (let d = from; d < to; d++) {
    const day = new Map<string, (number | null)[]>();
    codes.forEach((code, i) => {
      if (!hasRow(d, i)) return;
      const v = only === undefined || only.includes(i) ? version : 1;
      day.set(
        code,
        COLUMNS.map((_, c) => value(d, i, c, v)),
      );
    });
    data.set(DAYS[d] as string, day);
  }
}

export function batchOf(dataset: string, data: Data, from: number, to: number) {
  const writer = new CsvRowWriter({ kind: 'factors', columns: COLUMNS });
  writer.header();
  let rows = 0;
  for (let d = from; d < to; d++) {
    for (const [code, values] of data.get(DAYS[d] as string) ?? []) {
      writer.row(
        DAYS[d] as string,
        code,
        Float64Array.from(values, (v) => v ?? Number.NaN),
      );
      rows++;
    }
  }
  return makeBatch({
    dataset,
    columns: COLUMNS,
    csv: writer.take().toString('latin1'),
    rowCount: rows,
    dateRange: { start: DAYS[from] as string, end: DAYS[to - 1] as string },
  });
}

/**
 * What a correct provider directory holds for `data` over `calendar` (default: the days with rows), in the
 * reader's terms (float32 bits, NaN left out).
 */
export function expectedView(data: Data, codes = CODES, calendar?: string[]): ProviderView {
  const days = calendar ?? [...data.keys()].sort();
  const view: ProviderView = { days, instruments: {}, values: {} };
  for (const code of codes) {
    const valued = days.filter((d) =>
      data
        .get(d)
        ?.get(code)
        ?.some((v) => v !== null),
    );
    if (valued.length === 0) continue;
    view.instruments[code] = [valued[0] as string, valued.at(-1) as string];
    COLUMNS.forEach((column, c) => {
      const series: Record<string, number> = {};
      for (const d of days) {
        const v = data.get(d)?.get(code)?.[c];
        if (v !== null && v !== undefined) series[d] = float32Bits(v);
      }
      view.values[`${code.toLowerCase()}/${column.name.toLowerCase()}.day.bin`] = series;
    });
  }
  return view;
}
