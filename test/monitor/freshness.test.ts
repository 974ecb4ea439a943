import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fc3FunctionClient } from '../../adapters/function-client/fc3.js';
import {
  calendarBatch,
  cst,
  factorBatch,
  INGEST,
  MONITOR,
  type MonitorEnv,
  type Received,
  startMonitorEnv,
} from './stack-harness.js';

/** Trading days of late January 2024 and the first week of February (Shanghai), pushed ahead as qlib's future calendar. */
const DAYS = [
  '2024-01-22',
  '2024-01-23',
  '2024-01-24',
  '2024-01-25',
  '2024-01-26',
  '2024-01-29',
  '2024-01-30',
  '2024-01-31',
  '2024-02-01',
  '2024-02-02',
];

describe.sequential('monitor on the local stack: a missing daily batch, one day from 16:45 to resolved', () => {
  let env: MonitorEnv;
  beforeAll(async () => {
    env = await startMonitorEnv('freshness', { start: cst('2024-01-29', '16:45') });
    expect(await env.load(calendarBatch('cn', DAYS))).toMatchObject({ status: 'loaded' });
    expect(await env.load(factorBatch('cn_daily', DAYS.slice(0, 5)))).toMatchObject({ status: 'loaded' });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('sends exactly one warn, one error and, once the day loads, one resolved message, across overlapping runs', async () => {
    // Before the warn time: due at 17:00, late from then, but nobody is told yet.
    await env.runUntil(cst('2024-01-29', '17:50'));
    expect(await env.drain()).toEqual([]);

    // 18:00: the timer fires, and the same timer event is delivered twice more at the same moment (FC's at-least-
    // once delivery, a retry), plus one more run for 18:00 already in flight: four overlapping runs.
    await overlappingRuns(env, cst('2024-01-29', '18:00'));
    const warn = await env.drain();
    expect(warn.map(line)).toEqual([
      'opened warn WARN cn_daily 2024-01-29 not loaded by 18:00 (last loaded 2024-01-26)',
    ]);
    expect(warn[0]?.body).toMatchObject({
      check: 'freshness',
      code: 'NOT_LOADED',
      dataset: 'cn_daily',
      tradingDay: '2024-01-29',
      state: 'open',
      incident: { key: 'freshness|cn_daily|2024-01-29', revision: 1 },
      whatToDo: expect.arrayContaining([expect.stringContaining('qlib-sync push')]),
      where: expect.objectContaining({
        incoming: expect.stringContaining('incoming%2Ffactors%2Fcn_daily%2F'),
      }),
    });

    await env.runUntil(cst('2024-01-29', '19:50'));
    expect(await env.drain()).toEqual([]);
    await overlappingRuns(env, cst('2024-01-29', '20:00'));
    await env.runUntil(cst('2024-01-29', '20:30'));
    expect((await env.drain()).map(line)).toEqual([
      'escalated error ERROR cn_daily 2024-01-29 not loaded by 20:00 (last loaded 2024-01-26)',
    ]);

    // The day arrives; the next run resolves the incident, once.
    const late = factorBatch('cn_daily', ['2024-01-29'], { seed: 8 });
    expect(await env.load(late)).toMatchObject({ status: 'loaded' });
    await overlappingRuns(env, cst('2024-01-29', '20:40'));
    await env.runUntil(cst('2024-01-29', '21:10'));
    const resolved = await env.drain();
    expect(resolved.map(line)).toEqual([
      `resolved error RESOLVED cn_daily 2024-01-29 loaded at ${loadedAtShanghai(resolved[0])} by batch ${late.batchId}`,
    ]);

    // The HTTP subscriber got exactly the same three messages, each with its severity tag.
    const pushed = await waitForPushes(env, 3);
    expect(pushed.map((p) => [p.tag, p.body.summary])).toEqual([
      ['warn', warn[0]?.body.summary],
      ['error', 'ERROR cn_daily 2024-01-29 not loaded by 20:00 (last loaded 2024-01-26)'],
      ['error', resolved[0]?.body.summary],
    ]);

    // One incident, three state changes, each recorded once; every run and evaluation is in the history.
    expect(
      await env.query(
        "SELECT e.transition, e.severity FROM incident_events e JOIN incidents i ON i.id = e.incident_id WHERE i.incident_key = 'freshness|cn_daily|2024-01-29' ORDER BY e.revision",
      ),
    ).toEqual([
      { transition: 'opened', severity: 'warn' },
      { transition: 'escalated', severity: 'error' },
      { transition: 'resolved', severity: 'error' },
    ]);
    const outcomes = await env.query(
      "SELECT DISTINCT outcome FROM check_results WHERE check_name = 'freshness' AND dataset = 'cn_daily' AND trading_day = '2024-01-29' ORDER BY outcome",
    );
    expect(outcomes.map((r) => r.outcome)).toEqual(['error', 'late', 'ok', 'pending', 'warn']);
    const [runs] = await env.query(
      "SELECT COUNT(*) AS n, SUM(status = 'completed') AS completed FROM monitor_runs",
    );
    const failed = await env.query(
      "SELECT scheduled_at, error FROM monitor_runs WHERE status <> 'completed'",
    );
    expect(Number(runs?.n)).toBeGreaterThan(20);
    expect(Number(runs?.completed), JSON.stringify(failed)).toBe(Number(runs?.n));
  });

  /** Fire the timer at `at` and deliver the same timer event twice more through the FC 3.0 API, all at once. */
  async function overlappingRuns(e: MonitorEnv, at: Date): Promise<void> {
    const event = Buffer.from(
      JSON.stringify({
        triggerTime: at.toISOString().replace('.000Z', 'Z'),
        triggerName: 'every-ten-minutes',
        payload: '{"job":"monitor"}',
      }),
    );
    const fc = new Fc3FunctionClient({
      accountId: e.stack.accountId,
      region: e.stack.region,
      endpoint: e.stack.fcApiUrl,
      credentials: e.stack.credentials,
      timeoutMs: 120_000,
    });
    await Promise.all([
      e.clock.set(at),
      fc.invoke(MONITOR, event, { async: true }),
      fc.invoke(MONITOR, event, { async: true }),
      fc.invoke(MONITOR, event, { async: false }),
    ]);
    await e.stack.fc.idle();
    expect(e.stack.fc.invocations().filter((r) => r.fn === INGEST && r.status === 'failed')).toEqual([]);
  }
});

function line(r: Received): string {
  return `${r.body.transition} ${r.body.severity} ${r.body.summary}`;
}

/** `HH:MM` Shanghai of the resolving load, as the summary states it. */
function loadedAtShanghai(r: Received | undefined): string {
  return /loaded at (\d\d:\d\d)/.exec(r?.body.summary ?? '')?.[1] ?? 'missing';
}

/** MNS pushes asynchronously (and retries a failed push 10 s later): wait for `count`, then a moment for extras. */
async function waitForPushes(env: MonitorEnv, count: number): Promise<Received[]> {
  for (let i = 0; i < 1200 && env.http.received.length < count; i++)
    await new Promise((r) => setTimeout(r, 25));
  await new Promise((r) => setTimeout(r, 200));
  return env.http.received;
}
