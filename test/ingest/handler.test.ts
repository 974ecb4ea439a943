import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransientError } from '../../core/errors.js';
import type { OssEventRecord } from '../../core/oss-event.js';
import { handler } from '../../functions/ingest/index.js';
import { type Batch, factorRows, floatColumns, makeBatch } from './batch-builder.js';
import {
  ACCOUNT,
  BUCKET,
  CREDENTIALS,
  type DirectEnv,
  type Fault,
  REGION,
  startDirect,
  TOPIC,
} from './harness.js';

const COLUMNS = floatColumns(2);

function batchOf(dataset: string): Batch {
  return makeBatch({
    dataset,
    columns: COLUMNS,
    rows: factorRows({ dates: ['2024-10-08'], instruments: 21, columns: COLUMNS }),
  });
}

/**
 * The handler itself (functions/ingest/index.ts), called as FC calls it: a Buffer of the OSS event, a context.
 * Its configuration comes from process.env at the first call (this file runs in a worker of its own).
 */
describe('ingest handler: an event with several records', () => {
  let env: DirectEnv;
  const faults: { current?: Fault } = {};
  const records = new Map<string, OssEventRecord>();
  beforeAll(async () => {
    env = await startDirect('handler', {}, faults);
    env.oss.onEvent((record) => {
      records.set(record.oss.object.key, record);
    });
    Object.assign(process.env, {
      OSS_BUCKET: BUCKET,
      OSS_REGION: REGION,
      OSS_ENDPOINT: env.oss.url,
      OSS_INTERNAL: 'false',
      MNS_ENDPOINT: env.mns.url,
      ALERT_TOPIC: TOPIC,
      MYSQL_URL: env.db.url,
      LOAD_MODE: 'load-data',
      LOG_LEVEL: 'error',
    });
  });
  afterAll(async () => {
    await env?.close();
  });

  const logs: string[] = [];
  /** Call the handler; its JSON log lines (process.stdout, as on FC) are kept in `logs`. */
  const invoke = async (batches: Batch[], requestId: string) => {
    const event = Buffer.from(JSON.stringify({ events: batches.map((b) => records.get(b.manifestKey)) }));
    const write = process.stdout.write;
    process.stdout.write = ((line: string) => logs.push(line) > 0) as typeof write;
    try {
      return await handler(event, {
        requestId,
        credentials: CREDENTIALS,
        region: REGION,
        accountId: ACCOUNT,
      });
    } finally {
      process.stdout.write = write;
    }
  };
  const status = async (batchId: string) =>
    (await env.query('SELECT status FROM batches WHERE batch_id = ?', [batchId]))[0]?.status;

  it('a failing record does not stop the next one; the first error is thrown after the loop', async () => {
    const failing = batchOf('h_first');
    const fine = batchOf('h_second');
    await env.upload(failing);
    await env.upload(fine);
    // The first record's payload download fails transiently (OSS 503); the second record is fine.
    faults.current = (req) =>
      req.method === 'GET' && req.key === failing.payloadKey
        ? { status: 503, code: 'ServiceUnavailable', message: 'try again' }
        : undefined;

    await expect(invoke([failing, fine], 'req-handler-1')).rejects.toBeInstanceOf(TransientError);
    expect(logs.map((l) => JSON.parse(l))).toContainEqual(
      expect.objectContaining({ level: 'error', key: failing.manifestKey, requestId: 'req-handler-1' }),
    );
    expect(await status(failing.batchId)).toBe('loading');
    expect(await status(fine.batchId)).toBe('loaded');
    const [count] = await env.query('SELECT COUNT(*) AS n FROM f_h_second');
    expect(Number(count?.n)).toBe(21);

    // FC's retry redelivers the whole event: the first loads now, the second is a no-op.
    faults.current = undefined;
    const retried = await invoke([failing, fine], 'req-handler-1');
    expect(retried.outcomes).toEqual([
      expect.objectContaining({ status: 'loaded', batchId: failing.batchId, rowsLoaded: 21 }),
      expect.objectContaining({ status: 'duplicate', batchId: fine.batchId, redelivered: 'loaded' }),
    ]);
    const [again] = await env.query('SELECT COUNT(*) AS n FROM f_h_second');
    expect(Number(again?.n)).toBe(21);
  });
});
