import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';

type SchemaElement = NonNullable<Parameters<typeof parquetWriteBuffer>[0]['schema']>[number];

import { formatFloat32 } from '../../core/csv/index.js';
import { type QlibFixture, readBin } from '../support/qlib-fixture.js';

/** One row of a handler's output DataFrame: index (datetime, instrument), float32 values (NaN = missing). */
export interface FrameRow {
  date: string;
  instrument: string;
  values: number[];
}

/**
 * The DataFrame `D.features(market, fields)` would give for a fixture: every membership (date, instrument)
 * pair, in qlib's order (datetime, then instrument), values straight from the .bin files.
 */
export function frameOf(fixture: QlibFixture, fields: string[]): FrameRow[] {
  const rows: FrameRow[] = [];
  for (const instrument of fixture.instruments) {
    const series = fields.map((f) => {
      const path = join(fixture.root, 'features', instrument.featureDir, `${f}.day.bin`);
      return existsSync(path) ? readBin(path) : undefined;
    });
    for (const [a, b] of instrument.memberships) {
      for (let d = a; d <= b; d++) {
        const values = series.map((s) =>
          s && d >= s.start && d - s.start < s.values.length ? (s.values[d - s.start] as number) : Number.NaN,
        );
        rows.push({ date: fixture.calendar[d] as string, instrument: instrument.symbol, values });
      }
    }
  }
  return rows.sort((x, y) =>
    x.date !== y.date ? (x.date < y.date ? -1 : 1) : x.instrument < y.instrument ? -1 : 1,
  );
}

export interface CsvStyle {
  /** single: one header row; multi: `feature`/`label` level rows then the index-names row. */
  header: 'single' | 'multi2' | 'multi3';
  /** `2024-01-02` or `2024-01-02 00:00:00`. */
  datetime: 'date' | 'timestamp';
  /** csv.QUOTE_ALL: every field quoted, as pandas writes with quoting=csv.QUOTE_ALL. */
  quoteAll?: boolean;
  /** Add a LABEL0 column in group `label` (values: row index). */
  label?: boolean;
  gzip?: boolean;
}

/** Write rows as pandas `DataFrame.to_csv` does for a float32 frame indexed by (datetime, instrument). */
export function writePandasCsv(path: string, fields: string[], rows: FrameRow[], style: CsvStyle): void {
  const q = (s: string) => (style.quoteAll ? `"${s.replace(/"/g, '""')}"` : s);
  const names = style.label ? [...fields, 'LABEL0'] : fields;
  const groups = names.map((n) => (n === 'LABEL0' ? 'label' : 'feature'));
  const lines: string[] = [];
  if (style.header === 'single') lines.push(['datetime', 'instrument', ...names].map(q).join(','));
  else {
    if (style.header === 'multi3') lines.push(['', '', ...groups.map((g) => `${g}_set`)].map(q).join(','));
    lines.push(['', '', ...groups].map(q).join(','));
    lines.push(['', '', ...names].map(q).join(','));
    lines.push(['datetime', 'instrument', ...names.map(() => '')].map(q).join(','));
  }
  rows.forEach((row, i) => {
    const date = style.datetime === 'date' ? row.date : `${row.date} 00:00:00`;
    const values = row.values.map(pythonRepr);
    if (style.label) values.push(pythonRepr(Math.fround(i / 7)));
    lines.push([date, row.instrument, ...values].map(q).join(','));
  });
  const text = `${lines.join('\n')}\n`;
  writeFileSync(path, style.gzip ? gzipSync(text) : text);
}

/**
 * numpy's repr of a float32: the shortest round-trip digits, positional for exponents -4..15 (with `.0`
 * for integers), else `d.ddde±XX`; NaN is written by pandas as an empty field.
 */
export function pythonRepr(v: number): string {
  if (Number.isNaN(v)) return '';
  const js = formatFloat32(v);
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(js);
  if (m === null) throw new Error(`unexpected ${js}`);
  const [, sign, int, frac = '', exp = '0'] = m as unknown as [string, string, string, string?, string?];
  let digits = `${int}${frac}`.replace(/^0+/, '');
  const point = int === '0' ? -(frac.length - frac.replace(/^0+/, '').length) : int.length;
  const e = Number(exp) + point - 1;
  digits = digits.replace(/0+$/, '') || '0';
  if (digits === '0') return `${sign}0.0`;
  if (e < -4 || e >= 16) {
    const mantissa = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
    return `${sign}${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  if (e < 0) return `${sign}0.${'0'.repeat(-e - 1)}${digits}`;
  const whole = digits.slice(0, e + 1).padEnd(e + 1, '0');
  const rest = digits.slice(e + 1);
  return `${sign}${whole}.${rest || '0'}`;
}

/** Write rows as pandas/pyarrow `df.to_parquet()` does: values, then the index as columns; snappy. */
export function writePandasParquet(
  path: string,
  fields: string[],
  rows: FrameRow[],
  rowGroupSize = 5000,
): void {
  const names = fields.map((f) => `('feature', '${f}')`);
  const schema: SchemaElement[] = [
    { name: 'schema', num_children: names.length + 2 },
    ...names.map((name): SchemaElement => ({ name, type: 'FLOAT', repetition_type: 'OPTIONAL' })),
    {
      name: 'datetime',
      type: 'INT64',
      repetition_type: 'OPTIONAL',
      logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'NANOS' },
    },
    {
      name: 'instrument',
      type: 'BYTE_ARRAY',
      repetition_type: 'OPTIONAL',
      converted_type: 'UTF8',
      logical_type: { type: 'STRING' },
    },
  ];
  const columnData = [
    ...names.map((name, c) => ({ name, data: Float32Array.from(rows, (r) => r.values[c] as number) })),
    { name: 'datetime', data: rows.map((r) => new Date(`${r.date}T00:00:00Z`)) },
    { name: 'instrument', data: rows.map((r) => r.instrument) },
  ];
  const pandas = {
    index_columns: ['datetime', 'instrument'],
    column_indexes: [
      { name: null, field_name: null, pandas_type: 'unicode', numpy_type: 'object', metadata: null },
    ],
    columns: [
      ...names.map((n) => ({
        name: n,
        field_name: n,
        pandas_type: 'float32',
        numpy_type: 'float32',
        metadata: null,
      })),
    ],
    creator: { library: 'pyarrow', version: '15.0.0' },
    pandas_version: '2.2.0',
  };
  const bytes = parquetWriteBuffer({
    columnData,
    schema,
    rowGroupSize,
    kvMetadata: [{ key: 'pandas', value: JSON.stringify(pandas) }],
    createdBy: 'parquet-cpp-arrow version 15.0.0',
  });
  writeFileSync(path, new Uint8Array(bytes));
}
