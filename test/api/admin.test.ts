import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessDays, factorRows, floatColumns, makeBatch } from '../ingest/batch-builder.js';
import { type ApiEnvironment, startApi } from './api-harness.js';

const DAYS = businessDays('2024-05-06', 3);

/** A clean batch of `dataset` with these columns on day `d` (30 instruments, no distribution warnings). */
function batchOn(dataset: string, columns: ReturnType<typeof floatColumns>, d: number, nullEvery = 0) {
  const rows = factorRows({ dates: [DAYS[d] as string], instruments: 30, columns, seed: d + 1 });
  for (const [i, r] of rows.entries()) if (nullEvery > 0 && i % nullEvery === 0) r.values.fill(Number.NaN);
  return makeBatch({ dataset, columns, rows });
}

describe('managing datasets (admin)', () => {
  let api: ApiEnvironment;
  let admin: string;
  let reader: string;

  beforeAll(async () => {
    api = await startApi('admin');
    admin = await api.token(['admin'], 'ops');
    reader = await api.token(['read:data', 'read:status'], 'reader');
  });

  afterAll(async () => {
    await api?.close();
  });

  function patch(dataset: string, token: string, body: unknown, type = 'application/json') {
    return api.json(`/v1/datasets/${dataset}`, token, {
      method: 'PATCH',
      headers: { 'content-type': type },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  it('freeze: recorded (who, when, before/after, visible in the API), then enforced by ingest; no admin scope, 403', async () => {
    expect(await api.push(batchOn('frz', floatColumns(2), 0))).toMatchObject({ status: 'loaded' });
    const denied = await patch('frz', reader, { contract: 'freeze' });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('FORBIDDEN_SCOPE');
    expect((await api.json('/v1/datasets/frz/changes', reader)).body.changes).toEqual([]);

    const before = Date.now();
    const frozen = await patch('frz', admin, { contract: 'freeze', note: 'alpha158 v2 is final' });
    expect(frozen.status).toBe(200);
    expect(frozen.body.dataset.contract).toBe('freeze');
    const change = {
      subject: { kind: 'dataset', name: 'frz' },
      by: 'ops',
      setting: 'contract',
      before: 'evolve',
      after: 'freeze',
      note: 'alpha158 v2 is final',
    };
    expect(frozen.body.changes).toEqual([expect.objectContaining(change)]);
    const log = await api.json('/v1/datasets/frz/changes', reader);
    expect(log.body.changes).toEqual([
      expect.objectContaining({ ...change, at: expect.any(String), requestId: expect.any(String) }),
    ]);
    expect(Date.parse(log.body.changes[0].at)).toBeGreaterThanOrEqual(before - 5000);

    // Enforced: a batch with a new column is rejected, and says why and what to do.
    const grown = batchOn('frz', floatColumns(3), 1);
    expect(await api.push(grown)).toMatchObject({ status: 'rejected', error_code: 'SCHEMA_FROZEN' });
    const detail = await api.json(`/v1/batches/${grown.batchId}`, reader);
    expect(detail.body.rejection).toMatchObject({
      code: 'SCHEMA_FROZEN',
      fix: expect.arrayContaining([expect.stringContaining('contract is freeze')]),
    });
    // Same value again changes (and records) nothing; back to evolve lets the column in.
    expect((await patch('frz', admin, { contract: 'freeze' })).body.changes).toEqual([]);
    expect((await patch('frz', admin, { contract: 'evolve' })).body.changes).toHaveLength(1);
    expect(await api.push(batchOn('frz', floatColumns(3), 2))).toMatchObject({ status: 'loaded' });
    expect(
      (await api.json('/v1/datasets/frz/changes', reader)).body.changes.map(
        (c: { after: string }) => c.after,
      ),
    ).toEqual(['evolve', 'freeze']);
  });

  it('quality thresholds set through the API are the ones ingest applies', async () => {
    expect(await api.push(batchOn('thr', floatColumns(2), 0, 3))).toMatchObject({ status: 'loaded' });
    const rules = { nullRatio: { severity: 'block', max: 0.1 } };
    const set = await patch('thr', admin, { rules });
    expect(set.body.changes).toEqual([
      expect.objectContaining({ setting: 'rules', before: null, after: rules }),
    ]);
    expect(set.body.dataset.rules.effective.nullRatio).toEqual({ severity: 'block', max: 0.1 });
    const nullish = batchOn('thr', floatColumns(2), 1, 3);
    expect(await api.push(nullish)).toMatchObject({ status: 'rejected', error_code: 'NULL_RATIO' });
    const bad = await patch('thr', admin, { rules: { nullRatio: { max: 2 }, typo: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ param: 'rules.nullRatio.max', message: 'must be within [0, 1]' }),
        expect.objectContaining({ param: 'rules.typo' }),
      ]),
    );
    expect((await patch('thr', admin, { rules: null })).body.changes).toEqual([
      expect.objectContaining({ setting: 'rules', before: rules, after: null }),
    ]);
    expect(await api.push(batchOn('thr', floatColumns(2), 2, 3))).toMatchObject({ status: 'loaded' });
  });

  it('retire: ingest refuses new batches (DATASET_RETIRED), the rows stay readable; restoring lets batches in again', async () => {
    expect(await api.push(batchOn('old', floatColumns(1), 0))).toMatchObject({ status: 'loaded' });
    const retired = await patch('old', admin, { retired: true, note: 'replaced by new' });
    expect(retired.body.dataset.retiredAt).toEqual(expect.any(String));
    expect(await api.push(batchOn('old', floatColumns(1), 1))).toMatchObject({
      status: 'rejected',
      error_code: 'DATASET_RETIRED',
    });
    const values = await api.json('/v1/datasets/old/values', reader);
    expect(values.status).toBe(200);
    expect(values.body.rows).toHaveLength(30);
    const listed = await api.json('/v1/datasets', reader);
    expect(listed.body.datasets.find((d: { dataset: string }) => d.dataset === 'old').retiredAt).toEqual(
      expect.any(String),
    );
    expect((await patch('old', admin, { retired: false })).body.changes).toEqual([
      expect.objectContaining({ setting: 'retired', before: true, after: false }),
    ]);
    expect(await api.push(batchOn('old', floatColumns(1), 2))).toMatchObject({ status: 'loaded' });
  });

  it('a change ingest could not apply is refused with what is wrong, every problem at once', async () => {
    expect(await api.push(batchOn('val', floatColumns(1), 0))).toMatchObject({ status: 'loaded' });
    const unknown = await patch('val', admin, { contract: 'melt', colour: 'red' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ param: 'contract', message: 'must be evolve or freeze' }),
        expect.objectContaining({ code: 'BODY_UNKNOWN_FIELD' }),
      ]),
    );
    expect((await patch('val', admin, {})).body.error.problems).toEqual([
      expect.objectContaining({ message: 'changes nothing: give contract, rules, calendar or retired' }),
    ]);
    expect((await patch('val', admin, '{oops')).body.error.code).toBe('BODY_NOT_JSON');
    expect((await patch('val', admin, 'contract=freeze', 'application/x-www-form-urlencoded')).status).toBe(
      415,
    );
    const calendar = await patch('val', admin, { calendar: 'nyse' });
    expect(calendar.body.error.problems).toEqual([
      expect.objectContaining({ param: 'calendar', message: 'is not a loaded calendar' }),
    ]);
    expect((await patch('nope', admin, { contract: 'freeze' })).status).toBe(404);
    expect((await api.json('/v1/datasets/val/changes', reader)).body.changes).toEqual([]);
  });
});
