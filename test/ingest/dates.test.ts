import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnSpec } from '../../core/csv/index.js';
import { formatBatchKey } from '../../core/keys.js';
import { type Batch, businessDays, factorRows, makeBatch } from './batch-builder.js';
import { type DirectEnv, startDirect } from './harness.js';

const COLUMNS: ColumnSpec[] = [
  { name: 'a', type: 'float32' },
  { name: 'b', type: 'float64' },
];
const DAYS = businessDays('2024-03-04', 5);

interface Finding {
  code: string;
  count: number;
  message: string;
  examples: { line?: number; date?: string; instrument?: string; detail?: string }[];
}

const reasonOf = (env: DirectEnv, batch: Batch) =>
  env.json(formatBatchKey({ ...batch, area: 'quarantine', file: 'reason.json' }));
const finding = async (env: DirectEnv, batch: Batch, code: string) =>
  ((await reasonOf(env, batch)).findings as Finding[]).find((f) => f.code === code);

describe('ingest: dates a batch may not carry or leave out (no calendar loaded)', () => {
  let env: DirectEnv;
  beforeAll(async () => {
    env = await startDirect('dates');
  });
  afterAll(async () => {
    await env?.close();
  });

  const daysIn = async (dataset: string) =>
    (await env.query(`SELECT DISTINCT trade_date AS d FROM f_${dataset} ORDER BY d`)).map((r) => r.d);

  it('DATE_IN_FUTURE: rows dated after the batch was made (2099-06-01, 9999-12-31) are refused and named', async () => {
    const rows = factorRows({ dates: ['2025-12-31'], instruments: 20, columns: COLUMNS });
    rows.push({ date: '2099-06-01', instrument: 'SZ000001', values: [1, 2] });
    rows.push({ date: '9999-12-31', instrument: 'SZ000002', values: [3, 4] });
    // createdAt 2026-01-01 (batch-builder): the last acceptable day is 2026-01-02.
    const batch = makeBatch({ dataset: 'd_future', columns: COLUMNS, rows });
    expect(await env.ingest(batch)).toMatchObject({ status: 'rejected', code: 'DATE_IN_FUTURE' });
    const future = await finding(env, batch, 'DATE_IN_FUTURE');
    expect(future?.count).toBe(2);
    expect(future?.examples.map((e) => [e.date, e.instrument])).toEqual([
      ['2099-06-01', 'SZ000001'],
      ['9999-12-31', 'SZ000002'],
    ]);
    expect(await env.tablesOf('d_future')).toEqual([]);
  });

  it("a manifest whose createdAt lies in the future does not move the horizon past ingest's own day", async () => {
    const rows = factorRows({ dates: ['2099-06-01'], instruments: 20, columns: COLUMNS });
    const batch = makeBatch({
      dataset: 'd_future_claim',
      columns: COLUMNS,
      rows,
      patch: (m) => {
        m.createdAt = '2099-06-01T00:00:00.000Z';
      },
    });
    expect(await env.ingest(batch)).toMatchObject({ status: 'rejected', code: 'DATE_IN_FUTURE' });
  });

  it('DATE_MISSING: restating a 5-day range with rows for 1 day is refused and the 4 live days stay', async () => {
    const full = makeBatch({
      dataset: 'd_shrink',
      columns: COLUMNS,
      rows: factorRows({ dates: DAYS, instruments: 20, columns: COLUMNS, seed: 3 }),
    });
    expect(await env.ingest(full)).toMatchObject({ status: 'loaded', rowsLoaded: 100 });
    const shrink = makeBatch({
      dataset: 'd_shrink',
      columns: COLUMNS,
      rows: factorRows({ dates: [DAYS[0] as string], instruments: 20, columns: COLUMNS, seed: 4 }),
      dateRange: { start: DAYS[0] as string, end: DAYS[4] as string },
    });
    expect(await env.ingest(shrink)).toMatchObject({ status: 'rejected', code: 'DATE_MISSING' });
    const missing = await finding(env, shrink, 'DATE_MISSING');
    expect(missing?.examples.map((e) => e.date)).toEqual(DAYS.slice(1));
    expect(missing?.examples[0]?.detail).toContain('the table holds rows for it now');
    expect(await daysIn('d_shrink')).toEqual(DAYS);
    const [byBatch] = await env.query('SELECT COUNT(*) AS n FROM f_d_shrink WHERE batch_id = ?', [
      full.batchId,
    ]);
    expect(Number(byBatch?.n)).toBe(100);
  });

  it('DATE_MISSING: without a calendar, a range wider than its rows is refused at its ends', async () => {
    const batch = makeBatch({
      dataset: 'd_wide',
      columns: COLUMNS,
      rows: factorRows({ dates: DAYS.slice(0, 2), instruments: 20, columns: COLUMNS }),
      dateRange: { start: DAYS[0] as string, end: DAYS[4] as string },
    });
    expect(await env.ingest(batch)).toMatchObject({ status: 'rejected', code: 'DATE_MISSING' });
    expect((await finding(env, batch, 'DATE_MISSING'))?.examples.map((e) => e.date)).toEqual([DAYS[4]]);
  });
});

describe('ingest: dates a batch may not leave out (a trading calendar loaded)', () => {
  let env: DirectEnv;
  beforeAll(async () => {
    env = await startDirect('dates_calendar');
    const calendar = makeBatch({ dataset: 'cn', kind: 'calendar', days: businessDays('2024-02-01', 60) });
    expect(await env.ingest(calendar)).toMatchObject({ status: 'loaded' });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('DATE_MISSING names every trading day of the range that has no rows', async () => {
    const batch = makeBatch({
      dataset: 'd_gaps',
      columns: COLUMNS,
      rows: factorRows({ dates: [DAYS[0] as string, DAYS[4] as string], instruments: 20, columns: COLUMNS }),
    });
    expect(batch.manifest.dateRange).toEqual({ start: DAYS[0], end: DAYS[4] });
    expect(await env.ingest(batch)).toMatchObject({ status: 'rejected', code: 'DATE_MISSING' });
    const missing = await finding(env, batch, 'DATE_MISSING');
    expect(missing?.count).toBe(3);
    expect(missing?.examples.map((e) => e.date)).toEqual(DAYS.slice(1, 4));
    expect(missing?.examples[0]?.detail).toContain('a trading day of the calendar');
  });

  it('a range that starts and ends on days that do not trade is fine when every trading day has rows', async () => {
    const batch = makeBatch({
      dataset: 'd_weekend_edges',
      columns: COLUMNS,
      rows: factorRows({ dates: DAYS, instruments: 20, columns: COLUMNS }),
      dateRange: { start: '2024-03-02', end: '2024-03-10' }, // Saturday .. Sunday around the week
    });
    expect(await env.ingest(batch)).toMatchObject({ status: 'loaded', rowsLoaded: 100 });
  });
});
