import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTransient, TransientError } from '../../core/errors.js';
import { type Batch, factorRows, floatColumns, makeBatch } from './batch-builder.js';
import { type DirectEnv, type Fault, startDirect } from './harness.js';

const COLUMNS = floatColumns(2);

function batchOf(dataset: string): Batch {
  return makeBatch({
    dataset,
    columns: COLUMNS,
    rows: factorRows({ dates: ['2024-09-02'], instruments: 25, columns: COLUMNS }),
  });
}

/** Answer GETs of the payload with an OSS error (the local server's fault hook; the real ali-oss sees it). */
function failPayloadGet(status: number, code: string): Fault {
  return (req) =>
    req.method === 'GET' && req.key.endsWith('/data.csv.gz') ? { status, code, message: code } : undefined;
}

describe('ingest: the error decision table (faults injected into the local OSS server)', () => {
  let env: DirectEnv;
  const faults: { current?: Fault } = {};
  beforeAll(async () => {
    env = await startDirect('faults', {}, faults);
  });
  afterAll(async () => {
    await env?.close();
  });

  const ledger = async (batchId: string) =>
    (
      await env.query(
        'SELECT status, attempts, error_code, lease_expires_at <= UTC_TIMESTAMP(3) AS released FROM batches WHERE batch_id = ?',
        [batchId],
      )
    )[0];
  const events = async (batchId: string) =>
    (await env.query('SELECT event FROM batch_events WHERE batch_id = ? ORDER BY id', [batchId])).map(
      (e) => e.event,
    );

  it('a transient OSS failure (5xx) releases the lease and throws; the retry takes over and loads', async () => {
    const batch = batchOf('f_transient');
    await env.upload(batch);
    faults.current = failPayloadGet(503, 'ServiceUnavailable');
    await expect(env.deliver(batch)).rejects.toBeInstanceOf(TransientError);
    expect(await ledger(batch.batchId)).toMatchObject({
      status: 'loading',
      attempts: 1,
      error_code: 'OSS_UNAVAILABLE',
      released: 1,
    });
    // The attempt that failed took its new tables back; the retry builds them again.
    expect(await env.tablesOf('f_transient')).toEqual([]);
    expect(await env.exists(batch.manifestKey)).toBe(true); // not quarantined

    faults.current = undefined;
    expect(await env.deliver(batch)).toMatchObject({ status: 'loaded', rowsLoaded: 25 });
    expect(await ledger(batch.batchId)).toMatchObject({ status: 'loaded', attempts: 2 });
    expect(await events(batch.batchId)).toEqual(['claimed', 'failed_attempt', 'lease_taken_over', 'loaded']);
  });

  it('a failure that is neither bad input nor transient (refused credentials) marks the batch failed, never quarantines', async () => {
    const batch = batchOf('f_refused');
    await env.upload(batch);
    faults.current = failPayloadGet(403, 'AccessDenied');
    const error = await env.deliver(batch).catch((e: unknown) => e);
    // ali-oss does not parse the error body of a streamed GET: the 403 arrives as its UnknownError, which
    // no adapter claims as transient, and no rule as bad input.
    expect(error).toBeInstanceOf(Error);
    expect(isTransient(error)).toBe(false);
    expect(await ledger(batch.batchId)).toMatchObject({
      status: 'failed',
      // The object store adapter calls an unexpected 4xx the store's refusal (OSS_REFUSED): still no bad input.
      error_code: (error as { code?: string }).code ?? (error as Error).name,
    });
    expect(await env.exists(batch.manifestKey)).toBe(true);
    expect(await env.exists(`quarantine/factors/f_refused/${batch.batchId}/reason.json`)).toBe(false);

    faults.current = undefined;
    expect(await env.deliver(batch)).toMatchObject({ status: 'loaded' });
    expect(await events(batch.batchId)).toEqual(['claimed', 'failed', 'lease_taken_over', 'loaded']);
  });
});
