import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OssFault, OssInterceptedRequest } from '../../local/oss/server.js';
import { bytes, type OssHarness, startHarness } from './oss-harness.js';

/** The stall hook ingest's crash tests rely on: a GetObject body held after N bytes until the test says so. */
describe('local OSS: a GetObject body stalled by the test hook', () => {
  let h: OssHarness;
  let hook: ((req: OssInterceptedRequest) => OssFault) | undefined;
  beforeEach(async () => {
    hook = undefined;
    h = await startHarness({ intercept: (req) => hook?.(req) });
  });
  afterEach(async () => {
    await h.close();
  });

  it('sends exactly the first bytes, holds the rest until released, then the whole object arrives', async () => {
    const data = bytes(300_000, 3);
    const client = h.client();
    await client.put('stall/object.bin', data);
    let reached: () => void = () => {};
    const stalled = new Promise<void>((resolve) => {
      reached = resolve;
    });
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    hook = (req) =>
      req.method === 'GET' && req.key === 'stall/object.bin'
        ? { stall: { afterBytes: 100_000, reached, release: released } }
        : undefined;

    const { stream } = await client.getStream('stall/object.bin');
    const chunks: Buffer[] = [];
    let ended = false;
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    const done = new Promise<void>((resolve, reject) => {
      stream.on('end', () => {
        ended = true;
        resolve();
      });
      stream.on('error', reject);
    });
    await stalled;
    const received = () => chunks.reduce((n, c) => n + c.length, 0);
    await expect.poll(received).toBe(100_000);
    // The server holds the rest: the body cannot have ended, however long this took.
    expect(ended).toBe(false);
    expect(Buffer.concat(chunks).equals(data.subarray(0, 100_000))).toBe(true);

    release();
    await done;
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
  });

  it('leaves other requests alone and serves a held object normally once the hook is gone', async () => {
    const client = h.client();
    await client.put('stall/free.bin', Buffer.from('free'));
    hook = (req) =>
      req.key === 'stall/held.bin' ? { stall: { afterBytes: 1, release: new Promise(() => {}) } } : undefined;
    expect((await client.get('stall/free.bin')).content.toString()).toBe('free');
    hook = undefined;
    await client.put('stall/held.bin', Buffer.from('held'));
    expect((await client.get('stall/held.bin')).content.toString()).toBe('held');
  });
});
