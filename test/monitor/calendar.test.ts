import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSlaCli } from '../../scripts/sla.js';
import {
  calendarBatch,
  cst,
  factorBatch,
  type MonitorEnv,
  type Received,
  startMonitorEnv,
} from './stack-harness.js';

/** Shanghai around the 2024 Spring Festival: closed Friday 9 February to Friday 16 February (qlib's future calendar). */
const CN = [
  '2024-02-05',
  '2024-02-06',
  '2024-02-07',
  '2024-02-08',
  '2024-02-19',
  '2024-02-20',
  '2024-02-21',
  '2024-02-22',
  '2024-02-23',
];
const BEFORE_HOLIDAY = CN.slice(0, 4);
/** New York: open 9 and 12–16 February, closed Monday 19 February (Presidents' Day). */
const US_EXTENDED = [
  '2024-02-05',
  '2024-02-06',
  '2024-02-07',
  '2024-02-08',
  '2024-02-09',
  '2024-02-12',
  '2024-02-13',
  '2024-02-14',
  '2024-02-15',
  '2024-02-16',
  '2024-02-20',
  '2024-02-21',
];

describe.sequential('monitor on the local stack: trading calendars, holidays, weekly data, a calendar not extended', () => {
  let env: MonitorEnv;
  beforeAll(async () => {
    // The real s.yaml with the monitor's timer at 18:05 and 20:05 Shanghai: eleven days in 23 runs.
    env = await startMonitorEnv('calendar', {
      start: cst('2024-02-08', '16:45'),
      env: { MONITOR_CRON: 'CRON_TZ=Asia/Shanghai 0 5 18,20 * * *', MONITOR_INTERVAL_MINUTES: '1440' },
    });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('a non-trading day never alerts, a weekly dataset is due at the week’s last trading day, a stale calendar is a finding of its own', async () => {
    expect(await env.load(calendarBatch('cn', CN))).toMatchObject({ status: 'loaded' });
    for (const dataset of ['cn_daily', 'cn_weekly', 'us_daily']) {
      const days = dataset === 'cn_weekly' ? ['2024-02-08'] : BEFORE_HOLIDAY;
      expect(await env.load(factorBatch(dataset, days))).toMatchObject({ status: 'loaded' });
    }
    // SLAs without SQL, through the command: the weekly dataset, and a US dataset on its own calendar and zone.
    expect(await sla(['set', 'cn_daily', '--calendar', 'cn'])).toBe(0);
    expect(
      await sla(['set', 'cn_weekly', '--calendar', 'cn', '--frequency', 'week', '--error', '09:00+1d']),
    ).toBe(0);
    expect(await sla(['set', 'us_daily', '--calendar', 'us', '--tz', 'America/New_York'])).toBe(0);
    // The US calendar as qlib's day.txt has it: up to the last day with data, nothing ahead.
    expect(await env.load(calendarBatch('us', US_EXTENDED.slice(0, 4)))).toMatchObject({ status: 'loaded' });

    // The holiday week: Shanghai closed Friday 9 to Friday 16 February. Nothing about cn_daily or cn_weekly.
    await env.runUntil(cst('2024-02-10', '18:10'));
    // By Friday 18:00 in New York (Saturday 07:00 in Shanghai) the US calendar still ends Thursday 8th.
    expect((await env.drain()).map(line)).toEqual([
      'opened warn WARN calendar us not extended past 2024-02-08: cannot tell whether 2024-02-09 is a trading day',
    ]);
    await env.runUntil(cst('2024-02-13', '12:00'));
    expect(await env.drain()).toEqual([]); // Monday 12th in New York: the same gap, the same open incident

    // The US side pushes its calendar ahead and the days it missed: the calendar incident resolves, once.
    expect(await env.load(calendarBatch('us', US_EXTENDED))).toMatchObject({ status: 'loaded' });
    expect(await env.load(factorBatch('us_daily', US_EXTENDED.slice(4, 10), { seed: 9 }))).toMatchObject({
      status: 'loaded',
    });
    await env.runUntil(cst('2024-02-19', '16:00'));
    expect((await env.drain()).map(line)).toEqual([
      'resolved warn RESOLVED calendar us extended to 2024-02-21 (it ended at 2024-02-08)',
    ]);

    // Trading resumes in Shanghai on Monday 19th: the daily dataset is late that evening, the weekly one is not due.
    await env.runUntil(cst('2024-02-19', '18:10'));
    expect((await env.drain()).map(line)).toEqual([
      'opened warn WARN cn_daily 2024-02-19 not loaded by 18:00 (last loaded 2024-02-08)',
    ]);
    const judged = await env.query(
      `SELECT dataset, trading_day, outcome FROM check_results WHERE check_name = 'freshness' AND outcome IN ('warn', 'error')
        GROUP BY dataset, trading_day, outcome ORDER BY dataset, trading_day`,
    );
    expect(judged).toEqual([{ dataset: 'cn_daily', trading_day: '2024-02-19', outcome: 'warn' }]);
    const weekly = await env.query(
      "SELECT DISTINCT trading_day FROM check_results WHERE check_name = 'freshness' AND dataset = 'cn_weekly' ORDER BY trading_day",
    );
    expect(weekly.map((r) => r.trading_day)).toEqual(['2024-02-08']);
  });

  async function sla(args: string[]): Promise<number> {
    const err: string[] = [];
    const code = await runSlaCli(
      args,
      { MYSQL_URL: env.db.url, USER: 'test' },
      { out: () => {}, err: (l) => err.push(l) },
    );
    if (code !== 0) throw new Error(err.join('\n'));
    return code;
  }
});

function line(r: Received): string {
  return `${r.body.transition} ${r.body.severity} ${r.body.summary}`;
}
