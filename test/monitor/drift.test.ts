import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSlaCli } from '../../scripts/sla.js';
import { businessDays, type FactorRow, makeBatch } from '../ingest/batch-builder.js';
import { createRandom, normal } from '../support/seeded-random.js';
import { COLUMNS, calendarBatch, cst, type MonitorEnv, startMonitorEnv } from './stack-harness.js';

/** 22 weekdays of May 2024: 21 ordinary days, then one where one factor's level jumps. */
const DAYS = businessDays('2024-05-01', 22);
const LAST = DAYS.at(-1) as string;

describe.sequential('monitor on the local stack: drift against the previous 20 trading days', () => {
  let env: MonitorEnv;
  beforeAll(async () => {
    env = await startMonitorEnv('drift', { start: cst(LAST, '21:05') });
    expect(await env.load(calendarBatch('cn', DAYS))).toMatchObject({ status: 'loaded' });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('profiles every loaded day in the load transaction, and names the drifted column in one warning', async () => {
    const ordinary = factorDays(DAYS.slice(0, 21), 11);
    expect(
      await env.load(makeBatch({ dataset: 'dr_daily', columns: COLUMNS, rows: ordinary })),
    ).toMatchObject({
      status: 'loaded',
    });
    const profiled = await env.query(
      "SELECT COUNT(*) AS n, MIN(row_count) AS rows_min FROM dataset_profiles WHERE dataset = 'dr_daily'",
    );
    expect(profiled).toEqual([{ n: 21, rows_min: 40 }]);

    // The last day: F1's values move up by 2 standard deviations (an upstream change, say); F0 and F2 are as usual.
    const drifted = factorDays([LAST], 12).map((r) => ({
      ...r,
      values: r.values.map((v, i) => (i === 1 ? Math.fround(v + 2) : v)),
    }));
    expect(await env.load(makeBatch({ dataset: 'dr_daily', columns: COLUMNS, rows: drifted }))).toMatchObject(
      { status: 'loaded' },
    );

    await env.runUntil(cst(LAST, '21:10'));
    const messages = await env.drain();
    expect(messages.map((m) => m.body.summary)).toEqual([
      expect.stringMatching(new RegExp(`^WARN dr_daily ${LAST} drift in F1 \\(F1 mean `)),
    ]);
    expect(messages[0]?.body).toMatchObject({
      check: 'drift',
      code: 'DRIFT',
      dataset: 'dr_daily',
      tradingDay: LAST,
    });
    const figures = messages[0]?.body.figures as
      | { outliers: Array<{ column: string; metric: string }> }
      | undefined;
    const outliers = figures?.outliers ?? [];
    expect([...new Set(outliers.map((o) => o.column))]).toEqual(['F1']);
    // The earlier days are compared too, and are fine; the next run sends nothing new.
    const judged = await env.query(
      "SELECT trading_day, outcome FROM check_results WHERE check_name = 'drift' AND dataset = 'dr_daily' ORDER BY trading_day",
    );
    expect(judged.map((r) => `${r.trading_day} ${r.outcome}`)).toEqual([
      ...DAYS.slice(17, 21).map((d) => `${d} ok`),
      `${LAST} warn`,
    ]);
    await env.runUntil(cst(LAST, '21:20'));
    expect(await env.drain()).toEqual([]);

    // Switched off for the dataset, it is not judged any more.
    expect(
      await runSlaCli(
        ['set', 'dr_daily', '--drift', 'off'],
        { MYSQL_URL: env.db.url },
        { out: () => {}, err: () => {} },
      ),
    ).toBe(0);
    await env.runUntil(cst(LAST, '21:30'));
    const [after] = await env.query(
      "SELECT COUNT(*) AS n FROM check_results WHERE check_name = 'drift' AND evaluated_at >= ?",
      [`${LAST} 13:25:00`],
    );
    expect(after).toEqual({ n: 0 });
  });
});

/** Factor-like values: each column a standard normal cross-section, 40 instruments a day. */
function factorDays(days: string[], seed: number): FactorRow[] {
  const random = createRandom(seed);
  return days.flatMap((date) =>
    Array.from({ length: 40 }, (_, i) => ({
      date,
      instrument: `SH6${String(i).padStart(5, '0')}`,
      values: COLUMNS.map(() => Math.fround(normal(random))),
    })),
  );
}
