import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../core/api/cursor.js';
import { marketTextAsJson, readMarketJson } from '../../core/api/market-members.js';
import { readValuesRequest } from '../../core/api/values-request.js';
import type { ColumnSpec } from '../../core/csv/index.js';

const COLUMNS: ColumnSpec[] = [
  { name: 'KMID', type: 'float32' },
  { name: 'label', type: 'float64' },
];
const LIMITS = { maxInstruments: 3, maxRowsPerPage: 1000 };

describe('readValuesRequest', () => {
  it('fills the defaults: every column, every date, JSON, the latest snapshot', () => {
    const r = readValuesRequest('alpha', COLUMNS, {}, LIMITS);
    expect(r).toMatchObject({
      ok: true,
      value: {
        dataset: 'alpha',
        fields: COLUMNS,
        start: '0001-01-01',
        end: '9999-12-31',
        instruments: null,
        market: null,
        asOf: null,
        format: 'json',
        limit: null,
        cursor: null,
      },
    });
  });

  it('matches fields case-insensitively, in request order, once each', () => {
    const r = readValuesRequest('alpha', COLUMNS, { fields: 'LABEL,kmid,Label' }, LIMITS);
    expect(r.ok && r.value.fields).toEqual([COLUMNS[1], COLUMNS[0]]);
  });

  it('reads as_of in any zone as UTC, to the millisecond', () => {
    const r = readValuesRequest('alpha', COLUMNS, { as_of: '2026-01-02T18:00:00.5+08:00' }, LIMITS);
    expect(r.ok && r.value.asOf).toBe('2026-01-02 10:00:00.500');
  });

  it('round-trips a cursor for the same query and refuses it for another', () => {
    const first = readValuesRequest('alpha', COLUMNS, { fields: 'KMID', start: '2024-01-02' }, LIMITS);
    if (!first.ok) throw new Error('first page refused');
    const cursor = encodeCursor({
      query: first.value.key,
      snapshot: { batchId: '20260101T000000000Z-abcdefabcdef', loadedAt: '2026-01-01 00:00:01.234' },
      after: { date: '2024-01-05', instrument: 'SH600000' },
      completeThrough: '2024-01-31',
      perDay: 300,
    });
    const next = readValuesRequest(
      'alpha',
      COLUMNS,
      { fields: 'KMID', start: '2024-01-02', cursor, format: 'csv', limit: '5' },
      LIMITS,
    );
    expect(next.ok && next.value.cursor).toEqual((decodeCursor(cursor) as { ok: unknown }).ok);
    const other = readValuesRequest(
      'alpha',
      COLUMNS,
      { fields: 'label', start: '2024-01-02', cursor },
      LIMITS,
    );
    expect(other).toMatchObject({ ok: false, problems: [{ code: 'PARAM_CURSOR', param: 'cursor' }] });
    expect(decodeCursor(`${cursor.slice(0, -4)}AAAA`)).toHaveProperty('error');
  });

  it('reports every problem at once, each naming its parameter', () => {
    const r = readValuesRequest(
      'alpha',
      COLUMNS,
      { fields: 'nope', start: '2024-13-01', end: 'x', instruments: 'A,B,C,D', limit: '1001', extra: '1' },
      LIMITS,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => `${p.param} ${p.code}`).sort()).toEqual([
      'end PARAM_FORMAT',
      'extra PARAM_UNKNOWN',
      'instruments PARAM_RANGE',
      'limit PARAM_RANGE',
      'start PARAM_VALUE',
    ]);
    const fields = readValuesRequest('alpha', COLUMNS, { fields: 'nope,,' }, LIMITS);
    expect(fields).toMatchObject({
      ok: false,
      problems: [{ param: 'fields', allowed: ['KMID', 'label'], message: 'unknown field: nope' }],
    });
    expect(readValuesRequest('alpha', COLUMNS, { instruments: 'SH600000,bad"code' }, LIMITS)).toMatchObject({
      ok: false,
      problems: [{ param: 'instruments', message: 'is not an instrument code' }],
    });
  });
});

describe('market members (PUT /v1/markets/{market})', () => {
  it('reads qlib instruments text as the JSON body says it, and names every bad line', () => {
    const text = 'SH600000\t2008-01-02\t2020-12-31\n\nSZ000001  2010-05-04  2099-12-31\n';
    expect(readMarketJson(marketTextAsJson(text))).toEqual({
      ok: true,
      value: {
        members: [
          { instrument: 'SH600000', start: '2008-01-02', end: '2020-12-31' },
          { instrument: 'SZ000001', start: '2010-05-04', end: '2099-12-31' },
        ],
      },
    });
    const bad = readMarketJson(
      marketTextAsJson('SH600000\t2020-01-02\t2019-12-31\nbad"code\t2020-01-02\nX\t2020-02-30\t2021-01-01'),
    );
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.problems.map((p) => p.param).sort()).toEqual([
      'members[0].end',
      'members[1].end',
      'members[1].instrument',
      'members[2].start',
    ]);
  });
});
