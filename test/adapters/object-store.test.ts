import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOssClient } from '../../adapters/object-store/client.js';
import { translateOssError } from '../../adapters/object-store/errors.js';
import { OssObjectStore } from '../../adapters/object-store/store.js';
import { crc64 } from '../../core/crc64.js';
import { PipelineError, TerminalError, TransientError } from '../../core/errors.js';
import type { OssFault } from '../../local/oss/server.js';
import { AK, BUCKET, type OssHarness, REGION, startHarness } from '../local/oss-harness.js';

describe('OssObjectStore against the local OSS server', () => {
  let oss: OssHarness;
  let fault: OssFault;
  const store = (overrides: Partial<Parameters<typeof createOssClient>[0]> = {}) =>
    new OssObjectStore(
      createOssClient({
        bucket: BUCKET,
        region: REGION,
        endpoint: oss.server.url,
        credentials: AK,
        timeoutMs: 5000,
        ...overrides,
      }),
    );

  beforeAll(async () => {
    oss = await startHarness({ intercept: () => fault });
  });
  afterAll(async () => {
    await oss.close();
  });

  it('puts, heads, gets, streams, copies, lists and deletes', async () => {
    const s = store();
    const body = Buffer.from('datetime,instrument,KMID\n2024-01-02,SH600000,0.5\n');
    const put = await s.put('adapter/a.csv', body, { meta: { rows: '1' }, contentType: 'text/csv' });
    expect(put.crc64).toBe(crc64(body));
    const info = await s.head('adapter/a.csv');
    expect(info).toMatchObject({
      key: 'adapter/a.csv',
      size: body.length,
      crc64: crc64(body),
      meta: { rows: '1' },
      contentType: 'text/csv',
    });
    expect(info?.etag).toMatch(/^[0-9A-F]{32}$/);
    expect(await s.get('adapter/a.csv')).toEqual(body);
    const chunks: Buffer[] = [];
    const streamed = await s.getStream('adapter/a.csv');
    for await (const chunk of streamed.body) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks)).toEqual(body);
    expect(streamed.crc64).toBe(crc64(body));
    await s.copy('adapter/b.csv', 'adapter/a.csv');
    const keys: string[] = [];
    for await (const o of s.list('adapter/')) keys.push(o.key);
    expect(keys).toEqual(['adapter/a.csv', 'adapter/b.csv']);
    await s.delete('adapter/a.csv');
    expect(await s.head('adapter/a.csv')).toBeUndefined();
  });

  it('pages through listings', async () => {
    const s = store();
    for (let i = 0; i < 7; i++) await s.put(`paged/${i}`, String(i));
    const keys: string[] = [];
    for await (const o of s.list('paged/', 3)) keys.push(o.key);
    expect(keys).toEqual(['paged/0', 'paged/1', 'paged/2', 'paged/3', 'paged/4', 'paged/5', 'paged/6']);
  });

  it('refuses to overwrite with forbidOverwrite (OSS_EXISTS)', async () => {
    const s = store();
    await s.put('once/m.json', '{}', { forbidOverwrite: true });
    const error = await s.put('once/m.json', '{"x":1}', { forbidOverwrite: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminalError);
    expect((error as TerminalError).code).toBe('OSS_EXISTS');
    expect((await s.get('once/m.json')).toString()).toBe('{}');
  });

  it('translates a wrong secret into OSS_AUTH and a missing bucket into OSS_NO_BUCKET', async () => {
    const bad = store({ credentials: { ...AK, accessKeySecret: 'wrong' } });
    await expect(bad.put('x', 'y')).rejects.toMatchObject({ code: 'OSS_AUTH', kind: 'terminal' });
    await expect(store({ bucket: 'no-such-bucket' }).put('x', 'y')).rejects.toMatchObject({
      code: 'OSS_NO_BUCKET',
    });
  });

  it('translates 5xx and unreachable endpoints into transient OSS_UNAVAILABLE', async () => {
    fault = { status: 503, code: 'ServiceUnavailable', message: 'busy' };
    try {
      const error = await store()
        .put('x', 'y')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransientError);
      expect((error as TransientError).code).toBe('OSS_UNAVAILABLE');
    } finally {
      fault = undefined;
    }
    const unreachable = store({ endpoint: 'http://127.0.0.1:1', timeoutMs: 2000 });
    await expect(unreachable.head('x')).rejects.toMatchObject({ code: 'OSS_UNAVAILABLE', kind: 'transient' });
  });

  it('says which host did not answer and with what code, without the socket-agent dump', async () => {
    const error = (await store({ endpoint: 'http://127.0.0.1:1', timeoutMs: 2000 })
      .put('x', 'y')
      .catch((e: unknown) => e)) as TransientError;
    expect(error.message).toBe(
      'put x: OSS at 127.0.0.1:1 did not answer (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1); check the endpoint/region in the config and the network path to OSS',
    );
    expect((error.cause as Error).message).not.toContain('agent status');
    expect(error.details).toMatchObject({ status: -1, host: '127.0.0.1:1' });
  });

  it('makes a skewed clock terminal (OSS_CLOCK_SKEW), and the probe reads the server time', async () => {
    const skewed = store({ clockOffsetMs: 20 * 60_000 });
    const error = await skewed.put('x', 'y').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminalError);
    expect(error).toMatchObject({ code: 'OSS_CLOCK_SKEW' });
    expect((error as Error).message).toMatch(/clock is more than 15 minutes off: fix the clock .*enable NTP/);
    const probed = (await skewed.probe().catch((e: unknown) => e)) as TerminalError;
    expect(probed.code).toBe('OSS_CLOCK_SKEW');
    const serverTime = new Date(probed.details.serverTime as string).getTime();
    expect(Math.abs(serverTime - Date.now())).toBeLessThan(60_000);
    expect(probed.message).toContain(`OSS's time is ${probed.details.serverTime}`);
  });

  it('passes an error without a status or a network code through unchanged (a bug, never retried)', async () => {
    const missing = await store()
      .uploadFile('x', '/no/such/spool.csv.gz', { partSize: 102_400, parallel: 1 })
      .catch((e: unknown) => e);
    expect(missing).not.toBeInstanceOf(PipelineError);
    expect(missing).toMatchObject({ code: 'ENOENT' });
    const bug = new TypeError("Cannot read properties of undefined (reading 'etag')");
    expect(translateOssError(bug, 'put x')).toBe(bug);
  });

  it("makes an unexpected 4xx the store's refusal (OSS_REFUSED, terminal) with its code, message and request id", () => {
    const answer = Object.assign(new Error('Part size is not supported.'), {
      status: 400,
      code: 'InvalidArgument',
      requestId: '5C3D9175B6FC201293AD4890',
    });
    const refused = translateOssError(answer, 'put x') as TerminalError;
    expect(refused).toBeInstanceOf(TerminalError);
    expect(refused.code).toBe('OSS_REFUSED');
    expect(refused.message).toBe(
      "put x: the store refused the request: 400 InvalidArgument: Part size is not supported. (request id 5C3D9175B6FC201293AD4890); check the store's support for this operation and the config (endpoint, pathStyle, bucket)",
    );
    expect(refused.cause).toBe(answer);
    const gone = Object.assign(new Error('upload gone'), { status: 404, code: 'NoSuchUpload' });
    expect(translateOssError(gone, 'complete x')).toMatchObject({ code: 'OSS_NO_UPLOAD', kind: 'terminal' });
  });

  it('treats only network codes, 5xx and 429 as passing faults', () => {
    const transient = [
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      Object.assign(new Error('socket hang up'), {}),
      Object.assign(new Error('Response timeout for 60000ms'), { name: 'ResponseTimeoutError' }),
      Object.assign(new Error('slow down'), { status: 429, code: 'TooManyRequests' }),
      Object.assign(new Error('oops'), { status: 502, code: 'BadGateway' }),
    ];
    for (const e of transient) expect(translateOssError(e, 'put x')).toBeInstanceOf(TransientError);
    const skew = Object.assign(new Error('too skewed'), { status: 403, code: 'RequestTimeTooSkewed' });
    expect(translateOssError(skew, 'put x')).toMatchObject({ code: 'OSS_CLOCK_SKEW', kind: 'terminal' });
  });
});

describe('OssObjectStore copy above the CopyObject limit', () => {
  let oss: OssHarness;
  beforeAll(async () => {
    oss = await startHarness();
  });
  afterAll(async () => {
    await oss.close();
  });

  it('switches to a multipart copy (UploadPartCopy) and copies the bytes exactly', async () => {
    const client = createOssClient({
      bucket: BUCKET,
      region: REGION,
      endpoint: oss.server.url,
      credentials: AK,
    });
    const small = new OssObjectStore(client, 200 * 1024); // a 200 KiB "limit" stands in for OSS's 1 GB
    const body = Buffer.alloc(700 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7919) & 0xff;
    await small.put('big/payload.bin', body);
    await small.copy('moved/payload.bin', 'big/payload.bin');
    // Buffer.equals, not toEqual: a deep compare of 700 KiB blocks the event loop for seconds.
    expect((await small.get('moved/payload.bin')).equals(body)).toBe(true);
    expect((await small.head('moved/payload.bin'))?.crc64).toBe(crc64(body));
    expect((await small.head('moved/payload.bin'))?.etag).toMatch(/-\d+$/);
    await expect(small.copy('x', 'big/absent')).rejects.toMatchObject({ code: 'OSS_NOT_FOUND' });
  });
});
