import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatStatusKey } from '../../core/keys.js';
import { businessDays, factorRows, floatColumns, makeBatch } from './batch-builder.js';
import { type DirectEnv, receiveAlerts, startDirect } from './harness.js';

const COLUMNS = floatColumns(2);
/** Friday 2024-01-05 and Saturday 2024-01-06: the Saturday is on no calendar. */
const ROWS = factorRows({ dates: ['2024-01-05', '2024-01-06'], instruments: 21, columns: COLUMNS });

describe('ingest: which trading calendar a dataset is checked against', () => {
  let env: DirectEnv;
  beforeAll(async () => {
    env = await startDirect('calendar');
    for (const name of ['cn', 'us']) {
      const calendar = makeBatch({ dataset: name, kind: 'calendar', days: businessDays('2023-12-01', 30) });
      expect(await env.ingest(calendar)).toMatchObject({ status: 'loaded' });
    }
  });
  afterAll(async () => {
    await env?.close();
  });

  it('two calendars and none named for the dataset: the batch loads with a CALENDAR_AMBIGUOUS warning', async () => {
    const batch = makeBatch({ dataset: 'cal_open', columns: COLUMNS, rows: ROWS });
    const outcome = await env.ingest(batch);
    expect(outcome).toMatchObject({ status: 'loaded', rowsLoaded: 42, warnings: ['CALENDAR_AMBIGUOUS'] });
    expect(await env.json(formatStatusKey(batch))).toMatchObject({ warnings: ['CALENDAR_AMBIGUOUS'] });
    // The inbox is the file's: keep only this batch's alerts (another test may have run first).
    const alerts = (await receiveAlerts(env.mnsClient, env.inbox)).filter((a) => a.batchId === batch.batchId);
    expect(alerts).toEqual([
      expect.objectContaining({
        severity: 'warn',
        code: 'CALENDAR_AMBIGUOUS',
        dataset: 'cal_open',
        batchId: batch.batchId,
      }),
    ]);
    expect(String(alerts[0]?.summary)).toMatch(/several trading calendars/);
  });

  it('the calendar named in the registry is used: the Saturday is rejected, nothing is ambiguous', async () => {
    await env.query(
      `INSERT INTO datasets (dataset, kind, table_name, contract, calendar, created_at, updated_at)
       VALUES ('cal_named', 'factors', 'f_cal_named', 'evolve', 'cn', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`,
    );
    const batch = makeBatch({ dataset: 'cal_named', columns: COLUMNS, rows: ROWS });
    expect(await env.ingest(batch)).toMatchObject({ status: 'rejected', code: 'DATE_NOT_TRADING_DAY' });
    expect(await env.tablesOf('cal_named')).toEqual([]); // nothing of the rejected batch's schema is left
    const reason = await env.json(`quarantine/factors/cal_named/${batch.batchId}/reason.json`);
    const codes = (reason.findings as { code: string }[]).map((f) => f.code);
    expect(codes).not.toContain('CALENDAR_AMBIGUOUS');
  });
});
