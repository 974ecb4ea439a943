import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentStore } from '../../adapters/warehouse/incident-store.js';
import { Ledger } from '../../adapters/warehouse/ledger.js';
import { finishRun, startRun } from '../../adapters/warehouse/monitor-runs.js';
import type { IncidentFinding } from '../../core/incident-message.js';
import { incidentKey, type Verdict } from '../../core/incidents.js';
import { todayIn } from '../../functions/api/day-strips.js';
import { ManualClock } from '../../local/fc/clock.js';
import { type Batch, factorRows, floatColumns, makeBatch } from '../ingest/batch-builder.js';
import { type ApiEnvironment, startApi, weekdaysUpTo } from './api-harness.js';

/**
 * What the monitor records, served: incidents, the datasets' SLA state (the monitor's own computation), the
 * monitor's last run in health, and the admin calls that set an SLA and re-drive a batch. A calendar that ends
 * today (Asia/Shanghai); SLA times given as `00:00` (today is past due) or `00:00+1d` (today is not due yet) keep
 * every expectation independent of the hour the test runs at.
 */
const TODAY = todayIn('Asia/Shanghai', new Date());
const DAYS = weekdaysUpTo(TODAY, 8);
const COLUMNS = floatColumns(2);
const NOT_DUE_TODAY = { due: '00:00+1d', warnAfter: '00:00+1d', errorAfter: '00:00+1d' };
const PAST_DUE_TODAY = { due: '00:00', warnAfter: '00:00', errorAfter: '00:00' };

function daily(dataset: string, d: number): Batch {
  const rows = factorRows({ dates: [DAYS[d] as string], instruments: 20, columns: COLUMNS, seed: d + 1 });
  return makeBatch({ dataset, columns: COLUMNS, rows });
}

describe('the monitor seen through the API: incidents, SLA state, health, SLA and re-drive management', () => {
  let api: ApiEnvironment;
  let admin: string;
  let reader: string;
  const incidents = new IncidentStore({ source: 'monitor', mail: false });

  beforeAll(async () => {
    // The monitor's timer never fires by itself here: this test writes the monitor's runs and incidents.
    api = await startApi('monitor_view', {}, { clock: new ManualClock(new Date()) });
    admin = await api.token(['admin'], 'ops');
    reader = await api.token(['read:status', 'read:data'], 'web');
    const calendar = makeBatch({ kind: 'calendar', dataset: 'cn', days: DAYS });
    expect(await api.push(calendar)).toMatchObject({ status: 'loaded' });
    // Every day but today is in.
    for (let d = 0; d < DAYS.length - 1; d++) {
      expect(await api.push(daily('mv_daily', d))).toMatchObject({ status: 'loaded' });
    }
  });

  afterAll(async () => {
    await api?.close();
  });

  function finding(day: string, verdict: Verdict, dataset = 'mv_daily'): IncidentFinding {
    return {
      check: 'freshness',
      subject: dataset,
      key: incidentKey('freshness', dataset, day),
      verdict,
      dataset,
      tradingDay: day,
      code: 'NOT_LOADED',
      headline: `${dataset} ${day} not loaded`,
      what: [`no loaded batch covers ${day}`],
      where: { ledger: `SELECT * FROM batches WHERE dataset = '${dataset}'` },
      todo: ['push the day with the agent'],
    };
  }

  function putSla(dataset: string, token: string, body: unknown) {
    return api.json(`/v1/datasets/${dataset}/sla`, token, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  it('lists incidents by state, dataset and since, newest first, page by page', async () => {
    const now = new Date();
    await incidents.apply(api.db.pool, finding(DAYS[1] as string, 'warn', 'mv_inc'), now);
    await incidents.apply(api.db.pool, finding(DAYS[1] as string, 'ok', 'mv_inc'), now);
    await incidents.apply(api.db.pool, finding(DAYS[2] as string, 'warn', 'mv_inc'), now);
    await incidents.apply(api.db.pool, finding(DAYS[2] as string, 'error', 'mv_inc'), now);
    await incidents.apply(api.db.pool, finding(DAYS[3] as string, 'warn', 'mv_inc2'), now);

    const open = await api.json('/v1/incidents?state=open', reader);
    expect(open.status).toBe(200);
    const mine = open.body.incidents.filter((i: { dataset: string }) => i.dataset.startsWith('mv_inc'));
    expect(mine.map((i: { tradingDay: string }) => i.tradingDay)).toEqual([DAYS[3], DAYS[2]]);
    expect(mine[1]).toMatchObject({
      check: 'freshness',
      dataset: 'mv_inc',
      state: 'open',
      severity: 'error',
      revision: 2,
      code: 'NOT_LOADED',
      summary: expect.stringContaining(`mv_inc ${DAYS[2]} not loaded`),
      what: [`no loaded batch covers ${DAYS[2]}`],
      whatToDo: ['push the day with the agent'],
      escalatedAt: expect.stringMatching(/Z$/),
      resolvedAt: null,
    });
    const resolved = await api.json('/v1/incidents?state=resolved&dataset=mv_inc', reader);
    expect(resolved.body.incidents).toEqual([
      expect.objectContaining({ tradingDay: DAYS[1], state: 'resolved', resolvedAt: expect.any(String) }),
    ]);
    expect((await api.json('/v1/incidents?dataset=mv_inc2', reader)).body.incidents).toHaveLength(1);
    expect((await api.json('/v1/incidents?since=2999-01-01', reader)).body.incidents).toEqual([]);

    const first = await api.json('/v1/incidents?dataset=mv_inc&limit=1', reader);
    expect(first.body.incidents).toEqual([expect.objectContaining({ tradingDay: DAYS[2] })]);
    const second = await api.json(`/v1/incidents?dataset=mv_inc&limit=1&cursor=${first.body.next}`, reader);
    expect(second.body).toMatchObject({ incidents: [{ tradingDay: DAYS[1] }], next: null });

    const bad = await api.json('/v1/incidents?state=closed&since=yesterday&cursor=x', reader);
    expect(bad.status).toBe(400);
    expect(bad.body.error.problems.map((p: { param: string }) => p.param).sort()).toEqual([
      'cursor',
      'since',
      'state',
    ]);
    const noScope = await api.token(['read:data'], 'data-only');
    expect((await api.json('/v1/incidents', noScope)).status).toBe(403);
  });

  it('sets an SLA (admin only, validated as npm run sla does, recorded), and the SLA state follows it', async () => {
    const denied = await putSla('mv_daily', reader, NOT_DUE_TODAY);
    expect(denied.status).toBe(403);

    const invalid = await putSla('mv_daily', admin, { due: '25:00', frequency: 'hourly', colour: 'red' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.problems.map((p: { param: string }) => p.param).sort()).toEqual([
      'colour',
      'due',
      'frequency',
    ]);
    const disorder = await putSla('mv_daily', admin, { due: '18:00', warnAfter: '17:00' });
    expect(disorder).toMatchObject({ status: 400, body: { error: { code: 'SLA_ORDER' } } });
    expect((await putSla('mv_daily', admin, { calendar: 'nyse' })).status).toBe(400);
    expect((await putSla('nope', admin, NOT_DUE_TODAY)).status).toBe(404);
    expect((await api.json('/v1/datasets/mv_daily/changes', reader)).body.changes).toEqual([]);

    const set = await putSla('mv_daily', admin, { ...NOT_DUE_TODAY, note: 'today is not due yet' });
    expect(set.status).toBe(200);
    expect(set.body.sla).toMatchObject({ own: NOT_DUE_TODAY, effective: { ...NOT_DUE_TODAY } });
    expect(set.body.sla.now).toMatchObject({ state: 'not_due', calendar: 'cn' });
    expect(set.body.changes).toEqual([
      expect.objectContaining({
        by: 'ops',
        setting: 'sla',
        before: {},
        after: NOT_DUE_TODAY,
        note: 'today is not due yet',
      }),
    ]);
    const listed = await api.json('/v1/datasets', reader);
    const mine = listed.body.datasets.find((d: { dataset: string }) => d.dataset === 'mv_daily');
    expect(mine.sla.state).toBe('not_due');
    expect(mine.sla.days.at(-1)).toMatchObject({ day: TODAY, outcome: 'pending', batchId: null });
    expect(mine.sla.days.slice(0, -1).every((d: { outcome: string }) => d.outcome === 'ok')).toBe(true);
    const health = await api.json('/v1/health', reader);
    expect(health.body.datasets).toContainEqual(
      expect.objectContaining({ dataset: 'mv_daily', sla: 'not_due', late: [] }),
    );

    const past = await putSla('mv_daily', admin, PAST_DUE_TODAY);
    expect(past.body.sla.now.state).toBe('error');
    const one = await api.json('/v1/datasets/mv_daily', reader);
    expect(one.body.sla).toMatchObject({ state: 'error' });
    const late = await api.json('/v1/health', reader);
    expect(late.body.status).toBe('attention');
    expect(late.body.datasets).toContainEqual(
      expect.objectContaining({ dataset: 'mv_daily', sla: 'error', late: [TODAY] }),
    );
    // inherit: back to the default's times; the log shows every change, newest first.
    const back = await putSla('mv_daily', admin, { inherit: ['due', 'warnAfter', 'errorAfter'] });
    expect(back.body.sla.own).toEqual({});
    const log = await api.json('/v1/datasets/mv_daily/changes', reader);
    expect(log.body.changes.map((c: { after: unknown }) => c.after)).toEqual([
      {},
      PAST_DUE_TODAY,
      NOT_DUE_TODAY,
    ]);
    expect((await putSla('mv_daily', admin, { inherit: ['due'] })).body.changes).toEqual([]);

    // Today arrives: on time.
    await putSla('mv_daily', admin, PAST_DUE_TODAY);
    expect(await api.push(daily('mv_daily', DAYS.length - 1))).toMatchObject({ status: 'loaded' });
    const onTime = await api.json('/v1/datasets/mv_daily/sla', reader);
    expect(onTime.body.now).toMatchObject({ state: 'on_time', lastLoaded: TODAY });
  });

  it('health: open incidents and the monitor watched (stale after two intervals without a completed run)', async () => {
    const never = await api.json('/v1/health', reader);
    expect(never.body.monitor).toMatchObject({ stale: true, intervalMinutes: 10, lastCompleted: null });
    expect(never.body.monitor.message).toContain('never completed a run');
    await incidents.apply(api.db.pool, finding(DAYS[4] as string, 'warn', 'mv_health'), new Date());
    const open = (await api.json('/v1/health', reader)).body.incidents.open;
    expect(open).toContainEqual(expect.objectContaining({ dataset: 'mv_health', state: 'open' }));
    expect(open.every((i: { state: string }) => i.state === 'open')).toBe(true);

    const counts = { checks: 1, transitions: 0, redriven: 0, published: 0 };
    const old = await startRun(api.db.pool, 'mv-run-old', new Date(Date.now() - 25 * 60_000));
    await finishRun(api.db.pool, old, { status: 'completed', counts, summary: {} });
    const quiet = await api.json('/v1/health', reader);
    expect(quiet.body.status).toBe('attention');
    expect(quiet.body.monitor).toMatchObject({
      stale: true,
      lastCompleted: { id: old, scheduledAt: expect.stringMatching(/Z$/) },
    });
    expect(quiet.body.monitor.message).toContain('no run for more than two intervals (20 min)');

    const recent = await startRun(api.db.pool, 'mv-run-new', new Date(Date.now() - 5 * 60_000));
    await finishRun(api.db.pool, recent, { status: 'completed', counts, summary: {} });
    const running = await startRun(api.db.pool, 'mv-run-now', new Date());
    const fresh = await api.json('/v1/health', reader);
    expect(fresh.body.monitor).toMatchObject({
      stale: false,
      message: null,
      lastCompleted: { id: recent },
      lastStarted: { id: running, status: 'running' },
    });
  });

  it('re-drives a failed batch through ingest (admin only, recorded); a settled one is refused with the reason', async () => {
    const failed = daily('mv_redrive', 0);
    // Payload and manifest in incoming/ with no event (the manifest arrives by CopyObject, which the trigger
    // ignores), and an attempt that failed on a bug.
    await api.oss.put(failed.payloadKey, failed.payload);
    const staging = `staging/${failed.batchId}/manifest.json`;
    await api.oss.put(staging, Buffer.from(failed.manifestText));
    await api.oss.copy(failed.manifestKey, staging);
    await api.oss.delete(staging);
    const ledger = new Ledger(api.db.pool);
    const facts = {
      batchId: failed.batchId,
      kind: failed.kind,
      dataset: failed.dataset,
      manifestKey: failed.manifestKey,
      contentSha256: failed.manifest.payload.sha256,
      payloadCrc64: failed.manifest.payload.crc64,
      payloadBytes: failed.manifest.payload.bytes,
      dateStart: failed.manifest.dateRange.start,
      dateEnd: failed.manifest.dateRange.end,
      rowCount: failed.manifest.rowCount,
    };
    await ledger.claim(facts, 'dead-request/000000000000', 60);
    await ledger.markFailed(failed.batchId, 'dead-request/000000000000', {
      code: 'TypeError',
      message: 'bug',
    });
    const post = (id: string, token: string) =>
      api.json(`/v1/batches/${id}/redrive`, token, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ note: 'fixed the bug' }),
      });

    expect((await post(failed.batchId, reader)).status).toBe(403);
    expect((await post('20990101T000000000Z-000000000000', admin)).status).toBe(404);
    const done = await post(failed.batchId, admin);
    expect(done.status).toBe(202);
    expect(done.body).toMatchObject({ batchId: failed.batchId, redrive: 1, outcome: 'invoked' });
    expect(done.body.change).toMatchObject({ setting: 'redrive', by: 'ops', note: 'fixed the bug' });
    const deadline = Date.now() + 60_000;
    let status = '';
    while (Date.now() < deadline && status !== 'loaded') {
      const [row] = await api.query('SELECT status FROM batches WHERE batch_id = ?', [failed.batchId]);
      status = String(row?.status);
      if (status !== 'loaded') await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe('loaded');
    const events = (await api.json(`/v1/batches/${failed.batchId}`, reader)).body.events;
    expect(events.map((e: { event: string }) => e.event)).toContain('redriven');

    // Loaded: once ingest is done its manifest has moved to loaded/, so there is nothing to re-drive.
    await api.stack.fc.idle();
    const again = await post(failed.batchId, admin);
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'MANIFEST_MISSING' } } });
    const log = await api.json('/v1/datasets/mv_redrive/changes', reader);
    expect(log.body.changes.map((c: { after: { outcome: string } }) => c.after.outcome)).toEqual([
      'manifest_missing',
      'invoked',
    ]);
    expect(log.body.changes[1].before).toMatchObject({ batchId: failed.batchId, status: 'failed' });
  });
});
