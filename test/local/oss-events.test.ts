import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.js';
import { ACCOUNT, BUCKET, type OssHarness, openSignedRequest, REGION, startHarness } from './oss-harness.js';

let h: OssHarness;
const logs: string[] = [];

beforeAll(async () => {
  h = await startHarness({
    logger: createLogger({ write: (line) => logs.push(line), now: () => new Date() }),
  });
});
afterAll(async () => {
  await h.close();
});

const md5Hex = (b: Buffer) => createHash('md5').update(b).digest('hex').toUpperCase();

describe('local OSS event notifications', () => {
  it('emits FC-shaped events for put and copy, after the response', async () => {
    const client = h.client();
    const before = h.events.length;
    const body = Buffer.from('event,body\n');
    const put = await client.put('events/a.csv', body, { meta: { rows: '1' } as never });
    await client.copy('events/b.csv', 'events/a.csv');
    await expect.poll(() => h.events.length).toBe(before + 2);
    const [putEvent, copyEvent] = h.events.slice(before);
    expect(putEvent).toEqual({
      eventName: 'ObjectCreated:PutObject',
      eventSource: 'acs:oss',
      eventTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      eventVersion: '1.0',
      oss: {
        bucket: { arn: `acs:oss:${REGION}:${ACCOUNT}:${BUCKET}`, name: BUCKET, ownerIdentity: ACCOUNT },
        object: {
          deltaSize: body.length,
          eTag: md5Hex(body),
          key: 'events/a.csv',
          size: body.length,
          objectMeta: { mimeType: 'text/csv', userMeta: { 'x-oss-meta-rows': '1' } },
        },
        ossSchemaVersion: '1.0',
        ruleId: expect.stringMatching(/^[0-9a-f]{40}$/),
      },
      region: REGION,
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { requestId: (put.res.headers as Record<string, string>)['x-oss-request-id'] },
      userIdentity: { principalId: ACCOUNT },
    });
    expect(copyEvent).toMatchObject({
      eventName: 'ObjectCreated:CopyObject',
      oss: { object: { key: 'events/b.csv', eTag: md5Hex(body), size: body.length, deltaSize: body.length } },
    });
    await client.put('events/a.csv', Buffer.from('x'));
    await expect.poll(() => h.events.length).toBe(before + 3);
    expect(h.events.at(-1)?.oss.object.deltaSize).toBe(1 - body.length);
  });

  it('emits the event of an object committed after its client hung up, as OSS does', async () => {
    const client = h.client();
    const key = 'events/hung-up.bin';
    const { uploadId } = await client.initMultipartUpload(key);
    const part = Buffer.alloc(16 * 1024 * 1024, 7);
    for (const n of [1, 2, 3]) await client.uploadPart(key, uploadId, n, part, 0, part.length);
    const before = h.events.length;
    // CompleteMultipartUpload, and the client gone while the server assembles 48 MiB: it commits afterwards.
    const req = openSignedRequest(h.server, {
      method: 'POST',
      key,
      subres: { uploadId },
      headers: { 'x-oss-complete-all': 'yes', 'content-length': '0' },
    });
    req.on('error', () => undefined);
    req.end();
    const inFlight = () => readdir(join(h.root, 'tmp'));
    await expect.poll(async () => (await inFlight()).length, { timeout: 10_000 }).toBeGreaterThan(0);
    req.destroy();
    await expect
      .poll(
        () =>
          client.head(key).then(
            () => true,
            () => false,
          ),
        { timeout: 10_000 },
      )
      .toBe(true);
    await expect
      .poll(() => h.events.slice(before).map((e) => `${e.eventName} ${e.oss.object.key}`), {
        timeout: 10_000,
      })
      .toContain(`ObjectCreated:CompleteMultipartUpload ${key}`);
  });

  it('keeps a throwing listener away from the server', async () => {
    const off = h.server.onEvent(() => {
      throw new Error('listener bug');
    });
    const client = h.client();
    await client.put('events/throwing.csv', Buffer.from('1'));
    await expect.poll(() => logs.some((line) => line.includes('oss event listener failed'))).toBe(true);
    off();
    expect((await client.get('events/throwing.csv')).content.toString()).toBe('1');
    expect(JSON.parse(logs.find((l) => l.includes('listener bug'))!)).toMatchObject({
      level: 'error',
      key: 'events/throwing.csv',
      error: { message: 'listener bug' },
    });
  });

  it('emits nothing for uploading a part, tagging, aborting or deleting', async () => {
    const client = h.client();
    await client.put('events/quiet.csv', Buffer.from('q'));
    await expect.poll(() => h.events.some((e) => e.oss.object.key === 'events/quiet.csv')).toBe(true);
    const before = h.events.length;
    const { uploadId } = await client.initMultipartUpload('events/parts.bin');
    await client.uploadPart('events/parts.bin', uploadId, 1, Buffer.from('part'), 0, 4);
    await client.abortMultipartUpload('events/parts.bin', uploadId);
    await client.putObjectTagging('events/quiet.csv', { a: 'b' });
    await client.delete('events/quiet.csv');
    // A later put proves delivery is running; only its event may have arrived.
    await client.put('events/marker.csv', Buffer.from('m'));
    await expect.poll(() => h.events.length).toBe(before + 1);
    expect(h.events.at(-1)?.oss.object.key).toBe('events/marker.csv');
  });
});
