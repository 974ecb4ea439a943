import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Batch, factorRows, floatColumns, makeBatch } from './batch-builder.js';
import { type CrcHidingProxy, startCrcHidingProxy } from './crc-hiding-proxy.js';
import { type DirectEnv, startDirect } from './harness.js';
import { waitForStatement } from './stack-harness.js';
import { type StallingProxy, startStallingProxy } from './stalling-proxy.js';

const COLUMNS = floatColumns(8);
const rowsOn = (date: string, seed = 1, instruments = 300) =>
  factorRows({ dates: [date], instruments, columns: COLUMNS, seed });

/** Guards that only a test like these notices when they are gone (issue 8, item 19). */
describe('ingest: the guards behind exactly once', () => {
  let env: DirectEnv;
  let crcHiding: CrcHidingProxy;
  beforeAll(async () => {
    env = await startDirect('guards');
    crcHiding = await startCrcHidingProxy(env.oss.url);
  });
  afterAll(async () => {
    await crcHiding?.close();
    await env?.close();
  });

  const ledger = async (batch: Batch) =>
    (await env.query('SELECT status, duplicate_of FROM batches WHERE batch_id = ?', [batch.batchId]))[0];

  it('two batch ids with identical bytes arriving at once: the second collides inside its transaction, a duplicate', async () => {
    // The dataset exists, so neither batch changes its schema (no schema lock in between).
    await env.ingest(makeBatch({ dataset: 'g_twins', columns: COLUMNS, rows: rowsOn('2024-12-02', 9) }));
    const first = makeBatch({ dataset: 'g_twins', columns: COLUMNS, rows: rowsOn('2024-12-03') });
    const second = makeBatch({ dataset: 'g_twins', columns: COLUMNS, rows: rowsOn('2024-12-03') });
    expect(second.payload.equals(first.payload)).toBe(true);
    await env.upload(first);
    await env.upload(second);
    const stall: StallingProxy = await startStallingProxy(env.oss.url, first.payloadKey, 4096);
    try {
      // The first holds its loaded_contents row, uncommitted, while its download hangs.
      const loading = env.deliver(first, { config: { ossEndpoint: stall.url } });
      loading.catch(() => undefined);
      await stall.stalled;
      await waitForStatement(env.db, 'LOAD DATA');
      // The second passes the check before its transaction (nothing is committed yet) and waits for the table's
      // load lock (adapters/warehouse/table-lock.ts); once the first commits, its loaded_contents insert
      // collides inside its own transaction: only that guard can call it a duplicate.
      const twin = env.deliver(second);
      twin.catch(() => undefined);
      await waitForStatement(env.db, 'SELECT GET_LOCK');
      stall.release();
      expect(await loading).toMatchObject({ status: 'loaded', rowsLoaded: 300 });
      expect(await twin).toMatchObject({ status: 'duplicate', duplicateOf: first.batchId });
    } finally {
      await stall.close();
    }
    expect(await ledger(second)).toEqual({ status: 'duplicate', duplicate_of: first.batchId });
    const [rows] = await env.query('SELECT COUNT(*) AS n FROM f_g_twins WHERE batch_id = ?', [
      second.batchId,
    ]);
    expect(Number(rows?.n)).toBe(0);
  });

  it.each(['load-data', 'insert'] as const)(
    'rows the database silently skips (an index an operator added) fail the load: rows taken ≠ rows sent (%s)',
    async (loadMode) => {
      const dataset = `g_taken_${loadMode.replace('-', '_')}`;
      await env.ingest(makeBatch({ dataset, columns: COLUMNS, rows: rowsOn('2024-12-02', 3, 20) }), {
        loadMode,
      });
      await env.query(`ALTER TABLE f_${dataset} ADD UNIQUE KEY uq_by_hand (instrument)`);
      const next = makeBatch({ dataset, columns: COLUMNS, rows: rowsOn('2024-12-03', 4, 20) });
      // LOAD DATA LOCAL and INSERT IGNORE turn the 20 unique-key collisions into warnings: only the count tells.
      await expect(env.ingest(next, { loadMode })).rejects.toMatchObject({ name: 'LoadCountMismatchError' });
      expect(await ledger(next)).toEqual({ status: 'failed', duplicate_of: null });
      const [rows] = await env.query(`SELECT COUNT(*) AS n FROM f_${dataset} WHERE batch_id = ?`, [
        next.batchId,
      ]);
      expect(Number(rows?.n)).toBe(0);
    },
  );

  it('a manifest with the right SHA-256 and a wrong CRC-64, where OSS reports none: the streamed CRC-64 rejects it', async () => {
    const batch = makeBatch({
      dataset: 'g_crc',
      columns: COLUMNS,
      rows: rowsOn('2024-12-02'),
      patch: (m) => {
        m.payload.crc64 = '12345';
      },
    });
    await env.upload(batch);
    const outcome = await env.deliver(batch, { config: { ossEndpoint: crcHiding.url } });
    expect(outcome).toMatchObject({ status: 'rejected', code: 'PAYLOAD_CRC64_MISMATCH' });
    expect(await env.tablesOf('g_crc')).toEqual([]);
  });
});
