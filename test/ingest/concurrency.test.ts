import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../adapters/warehouse/pool.js';
import { businessDays, factorRows, floatColumns, makeBatch } from './batch-builder.js';
import { type DirectEnv, startDirect } from './harness.js';

const COLUMNS = floatColumns(4);

describe('ingest: concurrent deliveries of one batch', () => {
  let env: DirectEnv;
  beforeAll(async () => {
    env = await startDirect('concurrency');
    // The dataset exists already: nothing serialises the deliveries on its schema lock.
    const earlier = factorRows({ dates: ['2024-08-30'], instruments: 200, columns: COLUMNS, seed: 9 });
    await env.ingest(makeBatch({ dataset: 'c_same_request', columns: COLUMNS, rows: earlier }));
  });
  afterAll(async () => {
    await env?.close();
  });

  // Three rounds: InnoDB deadlocks the duplicate inserts of three or more waiters in most rounds, not all.
  it.each([1, 2, 3])(
    'ten deliveries sharing a request id load the batch once and none throws (round %i: deadlocks are retried)',
    async (round) => {
      const rows = factorRows({
        dates: businessDays(`2024-09-0${round + 1}`, 1),
        instruments: 200,
        columns: COLUMNS,
      });
      const batch = makeBatch({ dataset: 'c_same_request', columns: COLUMNS, rows });
      await env.upload(batch);
      // Each delivery as its own FC instance: its own pool of two connections.
      const pools = Array.from({ length: 10 }, () => createPool({ url: env.db.url, connectionLimit: 2 }));
      const settled = await Promise.allSettled(
        pools.map((pool) => env.deliver(batch, { requestId: `req-shared-${round}`, pool })),
      );
      await Promise.all(pools.map((pool) => pool.end()));
      const failures = settled.filter((s) => s.status === 'rejected').map((s) => String(s.reason));
      expect(failures).toEqual([]);
      const outcomes = settled.map((s) => (s.status === 'fulfilled' ? s.value.status : 'threw'));
      expect(outcomes.filter((o) => o === 'loaded')).toHaveLength(1);
      const [ledger] = await env.query('SELECT status, rows_loaded FROM batches WHERE batch_id = ?', [
        batch.batchId,
      ]);
      expect(ledger).toEqual({ status: 'loaded', rows_loaded: 200 });
    },
  );
});
