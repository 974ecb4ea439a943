import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnSpec } from '../../core/csv/index.js';
import { formatBatchKey } from '../../core/keys.js';
import { type Batch, factorRows, makeBatch } from './batch-builder.js';
import { type DirectEnv, startDirect } from './harness.js';

const COLUMNS: ColumnSpec[] = [
  { name: 'a', type: 'float32' },
  { name: 'b', type: 'float64' },
];
const HEADER = 'datetime,instrument,a,b';

interface Finding {
  code: string;
  message: string;
  count: number;
}

/** reason.json names what is wrong, and only that; instrument codes mean what qlib means by them. */
describe('ingest: reason.json without false findings, instrument codes as qlib spells them', () => {
  let env: DirectEnv;
  beforeAll(async () => {
    env = await startDirect('findings');
  });
  afterAll(async () => {
    await env?.close();
  });

  const findings = async (batch: Batch) =>
    (await env.json(formatBatchKey({ ...batch, area: 'quarantine', file: 'reason.json' })))
      .findings as Finding[];

  it('50 rejected rows are counted as rows: no ROW_COUNT_MISMATCH, no INSTRUMENT_COUNT_DRIFT beside them', async () => {
    const day1 = factorRows({ dates: ['2024-07-01'], instruments: 100, columns: COLUMNS, seed: 1 });
    expect(await env.ingest(makeBatch({ dataset: 'r_count', columns: COLUMNS, rows: day1 }))).toMatchObject({
      status: 'loaded',
    });
    // The next day: 100 lines again, 50 of them with a bad number (the accepted 50 alone would be a 50% drift).
    const lines = [HEADER];
    for (let i = 0; i < 100; i++) {
      const instrument = `SH6${String(i).padStart(5, '0')}`;
      lines.push(`2024-07-02,${instrument},${i % 2 === 0 ? `x${i}` : '0.5'},${i}`);
    }
    const batch = makeBatch({
      dataset: 'r_count',
      columns: COLUMNS,
      csv: `${lines.join('\n')}\n`,
      rowCount: 100,
      dateRange: { start: '2024-07-02', end: '2024-07-02' },
    });
    expect(await env.ingest(batch)).toMatchObject({ status: 'rejected', code: 'CSV_BAD_NUMBER' });
    const found = await findings(batch);
    expect(found.map((f) => [f.code, f.count])).toEqual([['CSV_BAD_NUMBER', 50]]);
  });

  it('VALUE_OUT_OF_RANGE names the type of the column: float64 for a DOUBLE column', async () => {
    const batch = makeBatch({
      dataset: 'r_range',
      columns: COLUMNS,
      csv: `${HEADER}\n2024-07-01,SH600000,1,1e400\n2024-07-01,SH600001,1,2\n`,
      rowCount: 2,
      dateRange: { start: '2024-07-01', end: '2024-07-01' },
    });
    expect(await env.ingest(batch)).toMatchObject({ status: 'rejected', code: 'VALUE_OUT_OF_RANGE' });
    const [range] = await findings(batch);
    expect(range?.message).toContain('float64');
    expect(range?.message).not.toContain('float32');
  });

  it('sh510050 and SH510050 in one batch are one instrument: DUPLICATE_KEY', async () => {
    const batch = makeBatch({
      dataset: 'r_case',
      columns: COLUMNS,
      csv: `${HEADER}\n2024-07-01,SH510050,1,2\n2024-07-01,sh510050,3,4\n`,
      rowCount: 2,
      dateRange: { start: '2024-07-01', end: '2024-07-01' },
    });
    expect(await env.ingest(batch)).toMatchObject({ status: 'rejected', code: 'DUPLICATE_KEY' });
  });

  it.each(['load-data', 'insert'] as const)(
    'what reaches MySQL is the canonical code (upper case), on the %s path',
    async (loadMode) => {
      const dataset = `r_upper_${loadMode.replace('-', '_')}`;
      const batch = makeBatch({
        dataset,
        columns: COLUMNS,
        csv: `${HEADER}\n2024-07-01,sh510050,1,2\n2024-07-01,Sz000001,NaN,4\n`,
        rowCount: 2,
        dateRange: { start: '2024-07-01', end: '2024-07-01' },
      });
      expect(await env.ingest(batch, { loadMode })).toMatchObject({ status: 'loaded', rowsLoaded: 2 });
      const stored = await env.query(`SELECT instrument FROM f_${dataset} ORDER BY instrument`);
      expect(stored.map((r) => r.instrument)).toEqual(['SH510050', 'SZ000001']);
    },
  );
});
