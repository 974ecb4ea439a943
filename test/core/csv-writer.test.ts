import { describe, expect, it } from 'vitest';
import { type CsvLayout, CsvRowWriter, WRITER_CHUNK_BYTES } from '../../core/csv/index.js';

const layout: CsvLayout = {
  kind: 'factors',
  columns: [
    { name: 'KMID', type: 'float32' },
    { name: 'ROC5', type: 'float32' },
    { name: 'VWAP', type: 'float64' },
  ],
};

function written(writer: CsvRowWriter): string {
  return writer.take().toString('utf8');
}

describe('CsvRowWriter', () => {
  it('writes the header and canonical rows: shortest float32, String(float64), NaN as \\N', () => {
    const writer = new CsvRowWriter(layout);
    writer.header();
    writer.row('2024-01-02', 'SH600000', [0.1, Number.NaN, 0.1]);
    writer.row('2024-01-02', 'BRK.B', [-0, 1e-7, 1.5e21]);
    writer.row('2024-01-03', "x');DROP", Float64Array.of(123456789, 3.4028234663852886e38, -2.5));
    expect(written(writer)).toBe(
      'datetime,instrument,KMID,ROC5,VWAP\n' +
        '2024-01-02,SH600000,0.1,\\N,0.1\n' +
        '2024-01-02,BRK.B,-0,1e-7,1.5e+21\n' +
        "2024-01-03,x');DROP,123456790,3.4028235e+38,-2.5\n",
    );
    expect(writer.rows).toBe(3);
  });

  it('writes calendar rows', () => {
    const writer = new CsvRowWriter({ kind: 'calendar' });
    writer.header();
    writer.calendarRow('2024-01-02');
    writer.calendarRow('2024-01-03');
    expect(written(writer)).toBe('datetime\n2024-01-02\n2024-01-03\n');
    expect(() => writer.row('2024-01-04', 'A', [])).toThrow(TypeError);
  });

  it('refuses bad input with the contract codes and writes nothing for the failed row', () => {
    const writer = new CsvRowWriter(layout);
    writer.header();
    const cases: [string, () => void][] = [
      ['CSV_BAD_DATE', () => writer.row('2023-02-29', 'A', [1, 2, 3])],
      ['CSV_BAD_INSTRUMENT', () => writer.row('2024-01-02', 'A,B', [1, 2, 3])],
      ['CSV_BAD_INSTRUMENT', () => writer.row('2024-01-02', '', [1, 2, 3])],
      ['CSV_RAGGED', () => writer.row('2024-01-02', 'A', [1, 2])],
      ['VALUE_INFINITE', () => writer.row('2024-01-02', 'A', [1, Infinity, 3])],
      ['VALUE_INFINITE', () => writer.row('2024-01-02', 'A', [1, 2, -Infinity])],
      ['VALUE_OUT_OF_RANGE', () => writer.row('2024-01-02', 'A', [1e39, 2, 3])],
    ];
    for (const [code, run] of cases)
      expect(run, code).toThrow(expect.objectContaining({ code, name: 'TerminalError' }));
    writer.row('2024-01-02', 'A', [1, 2, 1e39]); // float64 holds it
    expect(written(writer)).toBe('datetime,instrument,KMID,ROC5,VWAP\n2024-01-02,A,1,2,1e+39\n');
    expect(writer.rows).toBe(1);
  });

  it('insists on one header first', () => {
    const writer = new CsvRowWriter(layout);
    expect(() => writer.row('2024-01-02', 'A', [1, 2, 3])).toThrow(/header/);
    writer.header();
    expect(() => writer.header()).toThrow(/once/);
  });

  it('take() returns only the bytes since the last take, across 64 KiB buffers, without losing any', () => {
    const writer = new CsvRowWriter(layout);
    writer.header();
    const parts: Buffer[] = [writer.take()];
    let expected = 'datetime,instrument,KMID,ROC5,VWAP\n';
    for (let i = 0; i < 20_000; i++) {
      writer.row('2024-01-02', `I${i}`, [i, i / 8, i / 3]);
      expected += `2024-01-02,I${i},${i},${i / 8},${i / 3}\n`;
      if (i % 777 === 0) parts.push(writer.take());
    }
    expect(writer.pendingBytes).toBeGreaterThan(0);
    parts.push(writer.take());
    expect(writer.pendingBytes).toBe(0);
    expect(writer.take().length).toBe(0);
    const whole = Buffer.concat(parts);
    expect(whole.length).toBeGreaterThan(4 * WRITER_CHUNK_BYTES);
    expect(whole.toString('utf8')).toBe(expected);
  });

  it('handles a row larger than the buffer size', () => {
    const wide: CsvLayout = {
      kind: 'factors',
      columns: Array.from({ length: 5000 }, (_, i) => ({ name: `c${i}`, type: 'float64' as const })),
    };
    const writer = new CsvRowWriter(wide);
    writer.header();
    const values = Array.from({ length: 5000 }, (_, i) => 1 / (i + 3));
    writer.row('2024-01-02', 'A', values);
    const text = written(writer);
    const lines = text.split('\n');
    expect(lines[1]).toBe(`2024-01-02,A,${values.map(String).join(',')}`);
  });
});
