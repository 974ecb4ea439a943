import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../adapters/warehouse/ledger.js';
import { factsOf } from '../../functions/ingest/manifest-read.js';
import { type Batch, factorRows, floatColumns, makeBatch } from './batch-builder.js';
import { type DirectEnv, refOf, startDirect } from './harness.js';

const COLUMNS = floatColumns(2);
const batchOf = (dataset: string) =>
  makeBatch({
    dataset,
    columns: COLUMNS,
    rows: factorRows({ dates: ['2024-10-01'], instruments: 20, columns: COLUMNS }),
  });

/**
 * A delivery that finds another request's live lease (an attempt whose FC retries ran out while the batch stayed
 * `loading`, or an attempt still loading) waits for it instead of being answered in_progress and dropped.
 */
describe('ingest: a live lease of another request', () => {
  let env: DirectEnv;
  let ledger: Ledger;
  beforeAll(async () => {
    env = await startDirect('lease_wait');
    ledger = new Ledger(env.db.pool);
  });
  afterAll(async () => {
    await env?.close();
  });

  /** An attempt of another request holds the batch for `seconds`, as an attempt FC gave up on leaves it. */
  const holdLease = (batch: Batch, owner: string, seconds: number) =>
    ledger.claim(factsOf(refOf(batch), { kind: 'valid', manifest: batch.manifest }), owner, seconds);

  it("an operator's re-trigger of a batch whose attempt died loads it once the dead lease runs out", async () => {
    const batch = batchOf('w_dead');
    await env.upload(batch);
    expect(await holdLease(batch, 'req-gave-up/000000000000', 3)).toMatchObject({ kind: 'claimed' });
    expect(await env.deliver(batch, { requestId: 'req-operator' })).toMatchObject({
      status: 'loaded',
      rowsLoaded: 20,
    });
    const events = await env.query('SELECT event FROM batch_events WHERE batch_id = ? ORDER BY id', [
      batch.batchId,
    ]);
    expect(events.map((e) => e.event)).toEqual(['claimed', 'lease_taken_over', 'loaded']);
  });

  it('a holder that keeps renewing its lease is alive: the delivery asks FC to retry later (BATCH_IN_PROGRESS)', async () => {
    const batch = batchOf('w_alive');
    await env.upload(batch);
    const holder = 'req-still-loading/000000000000';
    expect(await holdLease(batch, holder, 5)).toMatchObject({ kind: 'claimed' });
    const beat = setInterval(() => void ledger.heartbeat(batch.batchId, holder, 5), 500);
    try {
      await expect(env.deliver(batch, { requestId: 'req-duplicate-event' })).rejects.toMatchObject({
        name: 'TransientError',
        code: 'BATCH_IN_PROGRESS',
      });
    } finally {
      clearInterval(beat);
    }
    // Nothing of the holder's was touched; FC's retry, after the holder stopped, takes over and loads.
    const [row] = await env.query('SELECT status, lease_owner FROM batches WHERE batch_id = ?', [
      batch.batchId,
    ]);
    expect(row).toEqual({ status: 'loading', lease_owner: holder });
    expect(await env.deliver(batch, { requestId: 'req-duplicate-event' })).toMatchObject({
      status: 'loaded',
    });
  });
});
