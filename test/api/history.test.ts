import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setSla } from '../../adapters/warehouse/sla-store.js';
import { todayIn } from '../../functions/api/day-strips.js';
import { type Batch, factorRows, floatColumns, makeBatch } from '../ingest/batch-builder.js';
import { type ApiEnvironment, startApi, weekdaysUpTo } from './api-harness.js';

/**
 * A calendar that ends today (Asia/Shanghai, the API's default zone), a dataset loaded on every day but a hole
 * (day 5), the last two days before today and today: the status the API reports must say exactly that.
 */
const TODAY = todayIn('Asia/Shanghai', new Date());
const DAYS = weekdaysUpTo(TODAY, 12);
const COLUMNS = floatColumns(2);

function daily(d: number, instruments = 20): Batch {
  const rows = factorRows({ dates: [DAYS[d] as string], instruments, columns: COLUMNS, seed: d + 1 });
  return makeBatch({ dataset: 'hist', columns: COLUMNS, rows });
}

describe('load history, calendars, datasets and health', () => {
  let api: ApiEnvironment;
  let ops: string;
  let data: string;
  const loaded: Batch[] = [];
  let broken: Batch;
  let twin: Batch;

  beforeAll(async () => {
    api = await startApi('history');
    ops = await api.token(['read:status'], 'ops');
    // Today is never past due (its due time is tomorrow 00:00): what is late does not depend on the hour.
    const times = { due: '00:00+1d', warnAfter: '00:00+1d', errorAfter: '00:00+1d' };
    await setSla(api.db.pool, 'hist', { set: times }, 'test');
    data = await api.token(['read:data'], 'data');
    expect(await api.push(makeBatch({ kind: 'calendar', dataset: 'cn', days: DAYS }))).toMatchObject({
      status: 'loaded',
    });
    // Days 0..8 but 5 are loaded; 9 and 10 never came, 11 is today.
    for (const d of [0, 1, 2, 3, 4, 6, 7, 8]) {
      const b = daily(d);
      expect(await api.push(b)).toMatchObject({ status: 'loaded' });
      loaded.push(b);
    }
    // Day 9 arrives broken (one row twice): quarantined.
    const rows = factorRows({ dates: [DAYS[9] as string], instruments: 20, columns: COLUMNS, seed: 99 });
    broken = makeBatch({
      dataset: 'hist',
      columns: COLUMNS,
      rows: [...rows, rows[3] as (typeof rows)[number]],
    });
    expect(await api.push(broken)).toMatchObject({ status: 'rejected', error_code: 'DUPLICATE_KEY' });
    twin = makeBatch({
      dataset: 'hist',
      columns: COLUMNS,
      rows: factorRows({ dates: [DAYS[8] as string], instruments: 20, columns: COLUMNS, seed: 9 }),
    });
    expect(await api.push(twin)).toMatchObject({ status: 'duplicate' });
  });

  afterAll(async () => {
    await api?.close();
  });

  it('lists every batch newest first, filtered by dataset, status and since, page by page', async () => {
    const all = await api.json('/v1/batches?dataset=hist', ops);
    expect(all.status).toBe(200);
    expect(all.body.batches.map((b: { batchId: string }) => b.batchId)).toEqual(
      [...loaded, broken, twin].map((b) => b.batchId).reverse(),
    );
    expect(all.body.next).toBeNull();
    const rejected = await api.json('/v1/batches?status=rejected', ops);
    expect(rejected.body.batches).toEqual([
      expect.objectContaining({
        batchId: broken.batchId,
        status: 'rejected',
        errorCode: 'DUPLICATE_KEY',
        dateStart: DAYS[9],
      }),
    ]);
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await api.json(
        `/v1/batches?dataset=hist&limit=3${cursor === null ? '' : `&cursor=${cursor}`}`,
        ops,
      );
      expect(page.body.batches.length).toBeLessThanOrEqual(3);
      ids.push(...page.body.batches.map((b: { batchId: string }) => b.batchId));
      cursor = page.body.next;
    } while (cursor !== null);
    expect(ids).toEqual(all.body.batches.map((b: { batchId: string }) => b.batchId));
    const future = await api.json('/v1/batches?since=2999-01-01', ops);
    expect(future.body.batches).toEqual([]);
    const recent = await api.json(
      `/v1/batches?since=${encodeURIComponent(all.body.batches[1].firstSeenAt)}&dataset=hist`,
      ops,
    );
    expect(recent.body.batches).toHaveLength(2);
    const bad = await api.json('/v1/batches?status=done&since=yesterday&cursor=x', ops);
    expect(bad.status).toBe(400);
    expect(bad.body.error.problems.map((p: { param: string }) => p.param).sort()).toEqual([
      'cursor',
      'since',
      'status',
    ]);
  });

  it('shows one batch with its events, rows and duration; a quarantined one with its reason and the fix', async () => {
    const one = await api.json(`/v1/batches/${loaded[0]?.batchId}`, ops);
    expect(one.body).toMatchObject({
      status: 'loaded',
      rowsLoaded: 20,
      rejection: null,
      durationMs: expect.any(Number),
    });
    expect(one.body.events.map((e: { event: string }) => e.event)).toEqual(['claimed', 'loaded']);
    const bad = await api.json(`/v1/batches/${broken.batchId}`, ops);
    expect(bad.body.rejection).toEqual({
      code: 'DUPLICATE_KEY',
      summary: expect.stringContaining('DUPLICATE_KEY'),
      findings: expect.arrayContaining([{ code: 'DUPLICATE_KEY', count: 1 }]),
      fix: expect.arrayContaining([expect.stringContaining('Fix the rows listed under findings')]),
      quarantine: {
        reason: `quarantine/factors/hist/${broken.batchId}/reason.json`,
        manifest: `quarantine/factors/hist/${broken.batchId}/manifest.json`,
      },
    });
    expect((await api.json('/v1/batches/20990101T000000000Z-000000000000', ops)).status).toBe(404);
  });

  it('serves the calendars (JSON and qlib day.txt) and describes the dataset', async () => {
    expect((await api.json('/v1/calendars', data)).body.calendars).toEqual([
      { calendar: 'cn', days: 12, first: DAYS[0], last: DAYS[11] },
    ]);
    expect((await api.json(`/v1/calendars/cn?start=${DAYS[2]}&end=${DAYS[3]}`, data)).body).toEqual({
      calendar: 'cn',
      days: [DAYS[2], DAYS[3]],
    });
    const txt = await api.call('/v1/calendars/cn?format=txt', data);
    expect(await txt.text()).toBe(DAYS.map((d) => `${d}\n`).join(''));
    expect((await api.json('/v1/calendars/nyse', data)).status).toBe(404);

    const d = await api.json('/v1/datasets/hist', data);
    expect(d.body).toMatchObject({
      dataset: 'hist',
      kind: 'factors',
      contract: 'evolve',
      calendar: { configured: null, used: 'cn' },
      columns: COLUMNS,
      coverage: { first: DAYS[0], last: DAYS[8] },
      completeThrough: DAYS[4],
      lastBatch: { batchId: twin.batchId, status: 'duplicate' },
      lastLoaded: { batchId: loaded.at(-1)?.batchId, rows: 20 },
      retiredAt: null,
    });
  });

  it('health reports the late, missing and quarantined days and the batches not settled', async () => {
    const pastDays = DAYS.slice(9).filter((d) => d < TODAY);
    const h = await api.json('/v1/health', ops);
    expect(h.body.status).toBe('attention');
    expect(h.body.datasets).toEqual([
      {
        dataset: 'hist',
        lastLoadedDay: DAYS[8],
        sla: 'error',
        missing: [DAYS[5]],
        quarantined: [DAYS[9]],
        late: pastDays.filter((d) => d !== DAYS[9]),
      },
    ]);
    expect(h.body.batches.unsettled).toEqual([]);
    await api.query(
      `INSERT INTO batches (batch_id, kind, dataset, status, attempts, error_code, error_detail, first_seen_at, updated_at, manifest_key)
       VALUES ('20260101T000000000Z-stuckstuckst', 'factors', 'hist', 'failed', 2, 'TypeError', 'x is undefined', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), 'k')`,
    );
    const stuck = await api.json('/v1/health', ops);
    expect(stuck.body.batches.unsettled).toEqual([
      expect.objectContaining({
        batchId: '20260101T000000000Z-stuckstuckst',
        status: 'failed',
        errorCode: 'TypeError',
        leaseExpired: true,
      }),
    ]);
    await api.query("DELETE FROM batches WHERE batch_id = '20260101T000000000Z-stuckstuckst'");
  });
});
