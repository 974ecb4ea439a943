import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OssFault } from '../../local/oss/server.js';
import {
  BUCKET,
  failure,
  type OssHarness,
  STS,
  signedRequest,
  startHarness,
  stsOptions,
} from './oss-harness.js';

let h: OssHarness;
let fault: (method: string, key: string) => OssFault = () => undefined;

beforeAll(async () => {
  h = await startHarness({ intercept: (req) => fault(req.method, req.key) });
  await h.client().put('auth/seed.csv', Buffer.from('seed'));
});
afterAll(async () => {
  await h.close();
});

function rawGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    })
      .on('error', reject)
      .end();
  });
}

describe('local OSS authentication and addressing', () => {
  it('rejects a wrong secret with SignatureDoesNotMatch and an unknown key id with InvalidAccessKeyId', async () => {
    const wrongSecret = h.client({ accessKeySecret: 'not-the-secret' });
    expect(await failure(wrongSecret.get('auth/seed.csv'))).toMatchObject({
      code: 'SignatureDoesNotMatch',
      status: 403,
    });
    expect(await failure(wrongSecret.put('auth/x.csv', Buffer.from('x')))).toMatchObject({
      code: 'SignatureDoesNotMatch',
    });
    const unknown = h.client({ accessKeyId: 'LTAI-nobody' });
    expect(await failure(unknown.get('auth/seed.csv'))).toMatchObject({
      code: 'InvalidAccessKeyId',
      status: 403,
    });
    expect(await failure(h.client().head('auth/x.csv'))).toMatchObject({ code: 'NoSuchKey' });
  });

  it('tells the client which string it should have signed', async () => {
    const res = await signedRequest(h.server, { method: 'GET', key: 'auth/seed.csv', secret: 'wrong' });
    expect(res.status).toBe(403);
    expect(res.body).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect(res.body).toContain(`/${BUCKET}/auth/seed.csv</StringToSign>`);
    expect(res.body).toContain('<EC>0002-00000040</EC>');
  });

  it('accepts V4 signatures (authorizationV4) for reads, writes, listing and multipart', async () => {
    const v4 = h.client({ authorizationV4: true });
    await v4.put('auth/v4 key+1.csv', Buffer.from('v4'), { meta: { a: '1' } as never });
    expect((await v4.get('auth/v4 key+1.csv')).content.toString()).toBe('v4');
    expect((await v4.head('auth/v4 key+1.csv')).meta).toEqual({ a: '1' });
    const listed = await v4.listV2({ prefix: 'auth/v4', 'max-keys': 10 } as never, {});
    expect(listed.objects.map((o) => o.name)).toEqual(['auth/v4 key+1.csv']);
    await v4.putObjectTagging('auth/v4 key+1.csv', { k: 'v' });
    const up = await v4.initMultipartUpload('auth/v4-mp.bin');
    const part = await v4.uploadPart('auth/v4-mp.bin', up.uploadId, 1, Buffer.from('p'), 0, 1);
    await v4.completeMultipartUpload('auth/v4-mp.bin', up.uploadId, [{ number: 1, etag: part.etag }]);
    expect((await v4.get('auth/v4-mp.bin')).content.toString()).toBe('p');
    const wrong = h.client({ authorizationV4: true, accessKeySecret: 'nope' });
    expect(await failure(wrong.get('auth/seed.csv'))).toMatchObject({
      code: 'SignatureDoesNotMatch',
      status: 403,
    });
  });

  it('accepts an STS credential with its token and rejects a wrong or missing token', async () => {
    const sts = h.client(stsOptions());
    await sts.put('auth/sts.csv', Buffer.from('sts'));
    expect((await sts.get('auth/sts.csv')).content.toString()).toBe('sts');
    const stsV4 = h.client({ ...stsOptions(), authorizationV4: true });
    expect((await stsV4.get('auth/sts.csv')).content.toString()).toBe('sts');
    const wrongToken = h.client(stsOptions('forged-token'));
    expect(await failure(wrongToken.get('auth/sts.csv'))).toMatchObject({
      code: 'InvalidSecurityToken',
      status: 403,
    });
    const noToken = h.client({ accessKeyId: STS.accessKeyId, accessKeySecret: STS.accessKeySecret });
    expect(await failure(noToken.get('auth/sts.csv'))).toMatchObject({
      code: 'InvalidSecurityToken',
      status: 403,
    });
  });

  it('serves path-style (sldEnable) and IP-endpoint addressing alike', async () => {
    const pathStyle = h.client({ sldEnable: true });
    await pathStyle.put(`${BUCKET}/nested.csv`, Buffer.from('path style'));
    const ipStyle = h.client();
    expect((await ipStyle.get(`${BUCKET}/nested.csv`)).content.toString()).toBe('path style');
    await ipStyle.put('auth/ip.csv', Buffer.from('ip'));
    expect((await pathStyle.get('auth/ip.csv')).content.toString()).toBe('ip');
    const both = await pathStyle.listV2({ prefix: `${BUCKET}/` } as never, {});
    expect(both.objects.map((o) => o.name)).toEqual([`${BUCKET}/nested.csv`]);
    const localhost = h.client({ sldEnable: true, endpoint: `http://localhost:${h.server.port}` });
    expect((await localhost.get('auth/ip.csv')).content.toString()).toBe('ip');
  });

  it('accepts signed URLs (V1 and V4) and refuses expired or tampered ones', async () => {
    const client = h.client({ sldEnable: true, endpoint: `http://localhost:${h.server.port}` });
    const url = client.signatureUrl('auth/seed.csv', { expires: 600 });
    expect(await rawGet(url)).toEqual({ status: 200, body: 'seed' });
    const expired = client.signatureUrl('auth/seed.csv', { expires: -10 });
    expect((await rawGet(expired)).body).toContain('<Code>AccessDenied</Code>');
    expect((await rawGet(url.replace('seed.csv', 'x.csv'))).status).toBe(403);
    const v4url = await client.signatureUrlV4('GET', 600, undefined, 'auth/seed.csv');
    expect(await rawGet(v4url)).toEqual({ status: 200, body: 'seed' });
    const sts = h.client({
      ...stsOptions(),
      sldEnable: true,
      endpoint: `http://localhost:${h.server.port}`,
    });
    expect(await rawGet(sts.signatureUrl('auth/seed.csv', { expires: 600 }))).toEqual({
      status: 200,
      body: 'seed',
    });
  });

  it('refuses an unsigned request with AccessDenied and a skewed clock with RequestTimeTooSkewed', async () => {
    const anonymous = await rawGet(`${h.server.url}/${BUCKET}/auth/seed.csv`);
    expect(anonymous.status).toBe(403);
    expect(anonymous.body).toContain('<Code>AccessDenied</Code>');
    const skewed = h.client({ amendTimeSkewed: -20 * 60 * 1000 });
    expect(await failure(skewed.get('auth/seed.csv'))).toMatchObject({
      code: 'RequestTimeTooSkewed',
      status: 403,
    });
    const slightly = h.client({ amendTimeSkewed: -5 * 60 * 1000 });
    expect((await slightly.get('auth/seed.csv')).content.toString()).toBe('seed');
    const skewedV4 = h.client({ amendTimeSkewed: 20 * 60 * 1000, authorizationV4: true });
    expect(await failure(skewedV4.get('auth/seed.csv'))).toMatchObject({ code: 'RequestTimeTooSkewed' });
  });

  it('injects faults through the intercept hook: an OSS error or a reset connection', async () => {
    fault = (method, key) =>
      key === 'auth/flaky.csv' && method === 'PUT'
        ? { status: 503, code: 'ServiceUnavailable', message: 'try later' }
        : undefined;
    const client = h.client();
    expect(await failure(client.put('auth/flaky.csv', Buffer.from('x')))).toMatchObject({
      code: 'ServiceUnavailable',
      status: 503,
    });
    fault = (_m, key) => (key === 'auth/flaky.csv' ? 'reset' : undefined);
    expect((await failure(client.get('auth/seed.csv').then(() => client.get('auth/flaky.csv')))).status).toBe(
      -1,
    );
    fault = () => undefined;
    await client.put('auth/flaky.csv', Buffer.from('ok'));
    expect((await client.get('auth/flaky.csv')).content.toString()).toBe('ok');
  });
});
