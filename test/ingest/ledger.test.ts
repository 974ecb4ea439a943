import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BatchFacts, Ledger } from '../../adapters/warehouse/ledger.js';
import { inTransaction } from '../../adapters/warehouse/sql.js';
import { leaseOwner } from '../../functions/ingest/lease.js';
import { createTestDatabase, type TestDatabase } from '../support/mysql.js';
import { nextBatchId } from './batch-builder.js';

function facts(batchId = nextBatchId()): BatchFacts {
  return {
    batchId,
    kind: 'factors',
    dataset: 'ledger_ds',
    manifestKey: `incoming/factors/ledger_ds/${batchId}/manifest.json`,
    contentSha256: 'a'.repeat(64),
    payloadCrc64: '1',
    payloadBytes: 10,
    dateStart: '2024-01-02',
    dateEnd: '2024-01-02',
    rowCount: 1,
  };
}

describe('ledger: claims, leases and settlements', () => {
  let db: TestDatabase;
  let ledger: Ledger;
  beforeAll(async () => {
    db = await createTestDatabase('ingest_ledger');
    ledger = new Ledger(db.pool);
  });
  afterAll(async () => {
    await db?.drop();
  });

  const row = async (batchId: string) =>
    (
      await db.pool.query<RowDataPacket[]>(
        'SELECT status, lease_owner, attempts, lease_expires_at > UTC_TIMESTAMP(3) AS live FROM batches WHERE batch_id = ?',
        [batchId],
      )
    )[0][0];
  const events = async (batchId: string) =>
    (
      await db.pool.query<RowDataPacket[]>('SELECT event FROM batch_events WHERE batch_id = ? ORDER BY id', [
        batchId,
      ])
    )[0].map((e) => e.event);

  it('claims a new batch with a lease on the database clock', async () => {
    const f = facts();
    expect(await ledger.claim(f, 'req-1/aa', 60)).toEqual({ kind: 'claimed', attempt: 1 });
    expect(await row(f.batchId)).toMatchObject({
      status: 'loading',
      lease_owner: 'req-1/aa',
      attempts: 1,
      live: 1,
    });
    expect(await events(f.batchId)).toEqual(['claimed']);
  });

  it('steps aside while another request holds a live lease, takes over an expired one', async () => {
    const f = facts();
    await ledger.claim(f, 'req-a/01', 60);
    expect(await ledger.claim(f, 'req-b/02', 60)).toMatchObject({ kind: 'in_progress', owner: 'req-a/01' });
    await db.pool.query(
      'UPDATE batches SET lease_expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE batch_id = ?',
      [f.batchId],
    );
    expect(await ledger.claim(f, 'req-b/02', 60)).toEqual({
      kind: 'claimed',
      attempt: 2,
      takenOverFrom: 'req-a/01',
    });
    expect(await events(f.batchId)).toEqual(['claimed', 'lease_taken_over']);
    // The old owner's heartbeat and commit are refused from now on.
    expect(await ledger.heartbeat(f.batchId, 'req-a/01', 60)).toBe(false);
    const settled = await inTransaction(db.pool, (conn) =>
      ledger.settle(conn, f.batchId, 'req-a/01', { status: 'duplicate', summary: 'x' }),
    );
    expect(settled).toBe(false);
    expect(await ledger.heartbeat(f.batchId, 'req-b/02', 60)).toBe(true);
  });

  it('takes over at once from a dead attempt of the same request (FC retries keep the request id)', async () => {
    const f = facts();
    const first = leaseOwner('req-same');
    const retry = leaseOwner('req-same');
    expect(first).not.toBe(retry);
    await ledger.claim(f, first, 60);
    expect(await ledger.claim(f, retry, 60)).toEqual({ kind: 'claimed', attempt: 2, takenOverFrom: first });
  });

  it('releases the lease on a transient failure (status stays loading) and takes a failed batch over', async () => {
    const f = facts();
    await ledger.claim(f, 'req-t/01', 60);
    await ledger.releaseLease(f.batchId, 'req-t/01', {
      code: 'MYSQL_UNAVAILABLE',
      message: 'connection lost',
    });
    expect(await row(f.batchId)).toMatchObject({ status: 'loading', live: 0 });
    expect(await ledger.claim(f, 'req-u/02', 60)).toMatchObject({ kind: 'claimed', attempt: 2 });

    await ledger.markFailed(f.batchId, 'req-u/02', { code: 'TypeError', message: 'a bug' });
    expect(await row(f.batchId)).toMatchObject({ status: 'failed' });
    expect(await ledger.claim(f, 'req-v/03', 60)).toMatchObject({ kind: 'claimed', attempt: 3 });
    expect(await events(f.batchId)).toEqual([
      'claimed',
      'failed_attempt',
      'lease_taken_over',
      'failed',
      'lease_taken_over',
    ]);
  });

  it('leaves a settled batch alone and reports a batch id taken by another dataset', async () => {
    const f = facts();
    await ledger.claim(f, 'req-s/01', 60);
    await inTransaction(db.pool, (conn) =>
      ledger.settle(conn, f.batchId, 'req-s/01', {
        status: 'rejected',
        summary: 'bad',
        errorCode: 'CSV_QUOTE',
      }),
    );
    const again = await ledger.claim(f, 'req-s2/01', 60);
    expect(again).toMatchObject({
      kind: 'settled',
      row: { status: 'rejected', errorCode: 'CSV_QUOTE', summary: 'bad' },
    });
    const other = await ledger.claim({ ...f, dataset: 'someone_else' }, 'req-s3/01', 60);
    expect(other).toMatchObject({ kind: 'conflict', row: { dataset: 'ledger_ds' } });
    expect(await row(f.batchId)).toMatchObject({ status: 'rejected', attempts: 1 });
  });

  it('lets exactly one of many concurrent claims win', async () => {
    const f = facts();
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, i) => ledger.claim(f, `req-c${i}/00`, 60)),
    );
    expect(claims.filter((c) => c.kind === 'claimed')).toHaveLength(1);
    expect(claims.filter((c) => c.kind === 'in_progress')).toHaveLength(7);
  });
});
