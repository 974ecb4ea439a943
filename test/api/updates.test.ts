import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ColumnSpec, CsvRowWriter } from '../../core/csv/index.js';
import { businessDays, makeBatch } from '../ingest/batch-builder.js';
import { type ApiEnvironment, startApi } from './api-harness.js';

const COLUMNS: ColumnSpec[] = [{ name: 'A', type: 'float32' }];
const DAYS = businessDays('2025-06-02', 8);
const CODES = ['SH600000', 'SH600001', 'SZ000001'];

/** Days [from, to) for the instruments that have a row each day (SZ000001 only from day 2). */
function batch(dataset: string, from: number, to: number, version: number) {
  const writer = new CsvRowWriter({ kind: 'factors', columns: COLUMNS });
  writer.header();
  let rows = 0;
  for (let d = from; d < to; d++) {
    for (const [i, code] of CODES.entries()) {
      if (code === 'SZ000001' && d < 2) continue;
      writer.row(DAYS[d] as string, code, Float64Array.of(d * 10 + i + version / 4));
      rows++;
    }
  }
  return makeBatch({
    dataset,
    columns: COLUMNS,
    csv: writer.take().toString('latin1'),
    rowCount: rows,
    dateRange: { start: DAYS[from] as string, end: DAYS[to - 1] as string },
  });
}

describe('GET /v1/datasets/{dataset}/updates', () => {
  let api: ApiEnvironment;
  let reader: string;
  const ids: string[] = [];

  beforeAll(async () => {
    api = await startApi('updates');
    reader = await api.token(['read:data'], 'reader');
    for (const [from, to, version] of [
      [0, 5, 1],
      [5, 7, 1],
      [2, 4, 2],
    ] as const) {
      const b = batch('upd', from, to, version);
      expect((await api.push(b)).status).toBe('loaded');
      ids.push(b.batchId);
    }
  });

  afterAll(async () => {
    await api?.close();
  });

  it('without since: the latest snapshot, everything changed, the days and each instrument span', async () => {
    const { status, body } = await api.json('/v1/datasets/upd/updates', reader);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      dataset: 'upd',
      columns: [{ name: 'A', type: 'float32' }],
      snapshot: { batchId: ids[2] },
      since: null,
      changed: null,
      batches: null,
      calendar: null,
      days: DAYS.slice(0, 7),
      instruments: [
        { instrument: 'SH600000', start: DAYS[0], end: DAYS[6] },
        { instrument: 'SH600001', start: DAYS[0], end: DAYS[6] },
        { instrument: 'SZ000001', start: DAYS[2], end: DAYS[6] },
      ],
    });
    expect(body.snapshot.loadedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('since a snapshot: the batches loaded after it with their ranges, restatements marked', async () => {
    const { body } = await api.json(`/v1/datasets/upd/updates?since=${ids[0]}`, reader);
    expect(body.since).toEqual({ batchId: ids[0], known: true });
    expect(body.batches).toEqual([
      { batchId: ids[1], start: DAYS[5], end: DAYS[6], restates: false },
      { batchId: ids[2], start: DAYS[2], end: DAYS[3], restates: true },
    ]);
    expect(body.changed).toEqual([
      { start: DAYS[2], end: DAYS[3] },
      { start: DAYS[5], end: DAYS[6] },
    ]);
    const latest = await api.json(`/v1/datasets/upd/updates?since=${ids[2]}`, reader);
    expect(latest.body).toMatchObject({ batches: [], changed: [] });
  });

  it('an unknown snapshot is said so (everything changed); a bad parameter and a wrong scope are refused', async () => {
    const unknown = await api.json('/v1/datasets/upd/updates?since=20250101T000000000Z-000000000000', reader);
    expect(unknown.body).toMatchObject({ since: { known: false }, changed: null, batches: null });
    expect((await api.json('/v1/datasets/upd/updates?since=a/b', reader)).status).toBe(400);
    expect((await api.json('/v1/datasets/upd/updates?snice=x', reader)).status).toBe(400);
    expect((await api.json('/v1/datasets/nope/updates', reader)).status).toBe(404);
    const status = await api.token(['read:status'], 'status');
    expect((await api.json('/v1/datasets/upd/updates', status)).status).toBe(403);
  });
});
