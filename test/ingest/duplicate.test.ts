import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Batch, factorRows, floatColumns, makeBatch } from './batch-builder.js';
import { type CrcHidingProxy, startCrcHidingProxy } from './crc-hiding-proxy.js';
import { type DirectEnv, type Fault, startDirect } from './harness.js';

const COLUMNS = floatColumns(3);
const ROWS = factorRows({ dates: ['2024-11-04'], instruments: 30, columns: COLUMNS, seed: 5 });

/** gzip bytes of the same size that are not the original: its MTIME field (bytes 4..7) changed. */
function sameSizeOtherBytes(payload: Buffer): Buffer {
  const other = Buffer.from(payload);
  other.writeUInt32LE(other.readUInt32LE(4) + 1, 4);
  return other;
}

describe('ingest: a duplicate is only taken on content the stored bytes vouch for', () => {
  let env: DirectEnv;
  let proxy: CrcHidingProxy;
  /** Every request the local OSS server answers directly (the fault hook, used here only to watch). */
  const seen: { method: string; key: string }[] = [];
  const watch: { current?: Fault } = {
    current: (req) => {
      seen.push({ method: req.method, key: req.key });
      return undefined;
    },
  };
  beforeAll(async () => {
    env = await startDirect('duplicate', {}, watch);
    proxy = await startCrcHidingProxy(env.oss.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await env?.close();
  });

  /** Deliver through the proxy: OSS's HEAD answers without x-oss-hash-crc64ecma. */
  const deliverWithoutCrc = (batch: Batch) => env.deliver(batch, { config: { ossEndpoint: proxy.url } });
  const payloadGets = (batch: Batch) =>
    proxy.requests.filter((r) => r.method === 'GET' && r.path.includes(batch.payloadKey)).length;

  it('without OSS CRC-64, bytes claiming a loaded content are read and rejected when they differ', async () => {
    const original = makeBatch({ dataset: 'd_forged', columns: COLUMNS, rows: ROWS });
    expect(await env.ingest(original)).toMatchObject({ status: 'loaded', rowsLoaded: 30 });

    // The manifest repeats the original's digest (SHA-256, CRC-64, size); the stored bytes are others.
    const forged = makeBatch({
      dataset: 'd_forged',
      columns: COLUMNS,
      rows: ROWS,
      payloadOverride: sameSizeOtherBytes(original.payload),
    });
    expect(forged.manifest.payload).toEqual({ ...original.manifest.payload, key: forged.payloadKey });
    await env.upload(forged);
    expect(await deliverWithoutCrc(forged)).toMatchObject({
      status: 'rejected',
      code: 'PAYLOAD_SHA256_MISMATCH',
    });
    expect(payloadGets(forged)).toBe(1);
    const [ledger] = await env.query('SELECT status, duplicate_of FROM batches WHERE batch_id = ?', [
      forged.batchId,
    ]);
    expect(ledger).toEqual({ status: 'rejected', duplicate_of: null });
  });

  it('without OSS CRC-64, identical bytes are read, then taken as a duplicate', async () => {
    const original = makeBatch({ dataset: 'd_twin', columns: COLUMNS, rows: ROWS });
    expect(await env.ingest(original)).toMatchObject({ status: 'loaded' });
    const twin = makeBatch({ dataset: 'd_twin', columns: COLUMNS, rows: ROWS });
    await env.upload(twin);
    expect(await deliverWithoutCrc(twin)).toEqual({
      status: 'duplicate',
      batchId: twin.batchId,
      duplicateOf: original.batchId,
    });
    expect(payloadGets(twin)).toBe(1);
  });

  it("with OSS's CRC-64 equal to the loaded twin's, the duplicate needs no download", async () => {
    const original = makeBatch({ dataset: 'd_vouched', columns: COLUMNS, rows: ROWS });
    expect(await env.ingest(original)).toMatchObject({ status: 'loaded' });
    const twin = makeBatch({ dataset: 'd_vouched', columns: COLUMNS, rows: ROWS });
    await env.upload(twin);
    const gets = () => seen.filter((r) => r.method === 'GET' && r.key === twin.payloadKey).length;
    expect(await env.deliver(twin)).toMatchObject({ status: 'duplicate', duplicateOf: original.batchId });
    expect(gets()).toBe(0);
  });
});
