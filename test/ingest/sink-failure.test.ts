import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessDays, factorRows, floatColumns, makeBatch } from './batch-builder.js';
import { type DirectEnv, startDirect } from './harness.js';
import { waitForStatement } from './stack-harness.js';
import { type StallingProxy, startStallingProxy } from './stalling-proxy.js';

const COLUMNS = floatColumns(20);

describe('ingest: the MySQL connection of a load killed while the download hangs', () => {
  let env: DirectEnv;
  let proxy: StallingProxy;
  const batch = makeBatch({
    dataset: 'k_sink',
    columns: COLUMNS,
    rows: factorRows({ dates: businessDays('2024-11-04', 5), instruments: 400, columns: COLUMNS }),
  });
  beforeAll(async () => {
    env = await startDirect('sink_failure');
    proxy = await startStallingProxy(env.oss.url, batch.payloadKey, 32 * 1024);
  });
  afterAll(async () => {
    await proxy?.close();
    await env?.close();
  });

  it("fails the attempt at once with the sink's own error (MYSQL_UNAVAILABLE), not when the download times out", async () => {
    expect(batch.payload.length).toBeGreaterThan(128 * 1024);
    await env.upload(batch);
    const attempt = env.deliver(batch, { loadMode: 'load-data', config: { ossEndpoint: proxy.url } });
    attempt.catch(() => undefined); // observed below
    await proxy.stalled;
    const connection = await waitForStatement(env.db, 'LOAD DATA');
    await env.db.pool.query('KILL ?', [connection]);
    // The download never goes on: without the sink telling the reader, this waits for OSS's timeout.
    await expect(attempt).rejects.toMatchObject({ name: 'TransientError', code: 'MYSQL_UNAVAILABLE' });
    const [ledger] = await env.query('SELECT status, error_code FROM batches WHERE batch_id = ?', [
      batch.batchId,
    ]);
    expect(ledger).toEqual({ status: 'loading', error_code: 'MYSQL_UNAVAILABLE' });
    // FC's retry, with the download working again, loads the batch.
    expect(await env.deliver(batch, { loadMode: 'load-data' })).toMatchObject({
      status: 'loaded',
      rowsLoaded: 2000,
    });
  });
});
