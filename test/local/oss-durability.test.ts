import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crc64 } from '../../core/crc64.js';
import { bytes, failure, type OssHarness, openSignedRequest, startHarness } from './oss-harness.js';

let h: OssHarness;

// A server and root per test: the tests list the bucket and its directories, and one restarts the server.
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

/** The server's in-flight directory (layout documented in local/oss/store.ts). */
const inFlight = () => readdir(join(h.root, 'tmp'));

/** Start a signed PUT of `total` bytes, send `sent` of them, wait until the server is writing, then cut it. */
async function cutUpload(key: string, total: number, sent: number): Promise<void> {
  const req = openSignedRequest(h.server, {
    method: 'PUT',
    key,
    headers: { 'content-length': String(total), 'content-type': 'application/octet-stream' },
  });
  const closed = new Promise<void>((resolve) => req.on('close', () => resolve()));
  req.on('error', () => undefined);
  req.write(bytes(sent, 5));
  await expect.poll(async () => (await inFlight()).length, { timeout: 10_000 }).toBeGreaterThan(0);
  req.destroy();
  await closed;
}

describe('local OSS durability', () => {
  it('leaves no object and no temp file when the body is cut mid-upload', async () => {
    await cutUpload('dur/cut.bin', 1_000_000, 300_000);
    await expect.poll(inFlight, { timeout: 10_000 }).toEqual([]);
    const client = h.client();
    expect(await failure(client.head('dur/cut.bin'))).toMatchObject({ code: 'NoSuchKey' });
    expect((await client.listV2({ prefix: 'dur/' } as never, {})).objects).toEqual([]);
  });

  it('keeps the previous version when an overwrite is cut', async () => {
    const client = h.client();
    await client.put('dur/kept.bin', Buffer.from('version one'));
    await cutUpload('dur/kept.bin', 500_000, 200_000);
    await expect.poll(inFlight, { timeout: 10_000 }).toEqual([]);
    expect((await client.get('dur/kept.bin')).content.toString()).toBe('version one');
  });

  it('accepts chunked bodies (a stream without Content-Length)', async () => {
    const data = bytes(300_000, 9);
    const client = h.client();
    const chunks = [data.subarray(0, 100_000), data.subarray(100_000, 250_000), data.subarray(250_000)];
    const res = await client.putStream('dur/chunked.bin', Readable.from(chunks));
    expect((res.res.headers as Record<string, string>)['x-oss-hash-crc64ecma']).toBe(crc64(data));
    expect(Buffer.compare((await client.get('dur/chunked.bin')).content as Buffer, data)).toBe(0);
  });

  it('lets the last complete write win when writers race on one key', async () => {
    const client = h.client();
    const bodies = Array.from({ length: 8 }, (_, i) => bytes(50_000 + i * 1000, i + 1));
    await Promise.all(bodies.map((b) => client.put('dur/raced.bin', b)));
    const got = (await client.get('dur/raced.bin')).content as Buffer;
    expect(bodies.some((b) => b.equals(got))).toBe(true);
    const head = await client.head('dur/raced.bin');
    expect((head.res.headers as Record<string, string>)['x-oss-hash-crc64ecma']).toBe(crc64(got));
    expect((head.res.headers as Record<string, string>)['content-length']).toBe(String(got.length));
    expect(await inFlight()).toEqual([]);
    const dataFiles = await readdir(join(h.root, 'buckets', 'qlib-bkt', 'data'));
    const objects = (await client.listV2({ 'max-keys': 1000 } as never, {})).objects;
    expect(dataFiles).toHaveLength(objects.length);
  });

  it('keeps objects and unfinished uploads across a restart on the same root', async () => {
    const client = h.client();
    await client.put('dur/persisted.csv', Buffer.from('still here'), { meta: { v: '1' } as never });
    await client.putObjectTagging('dur/persisted.csv', { state: 'kept' });
    const { uploadId } = await client.initMultipartUpload('dur/after-restart.bin');
    const part = await client.uploadPart('dur/after-restart.bin', uploadId, 1, Buffer.from('part one'), 0, 8);

    await h.restart();

    const again = h.client();
    expect((await again.get('dur/persisted.csv')).content.toString()).toBe('still here');
    expect((await again.head('dur/persisted.csv')).meta).toEqual({ v: '1' });
    expect((await again.getObjectTagging('dur/persisted.csv')).tag).toEqual({ state: 'kept' });
    await again.completeMultipartUpload('dur/after-restart.bin', uploadId, [{ number: 1, etag: part.etag }]);
    expect((await again.get('dur/after-restart.bin')).content.toString()).toBe('part one');
  });
});
