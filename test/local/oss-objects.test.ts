import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc64 } from '../../core/crc64.js';
import { BUCKET, failure, type OssHarness, REGION, signedRequest, startHarness } from './oss-harness.js';

let h: OssHarness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const md5Hex = (b: Buffer) => createHash('md5').update(b).digest('hex').toUpperCase();

describe('local OSS objects through ali-oss', () => {
  it('puts, gets, heads and deletes with OSS headers', async () => {
    const client = h.client();
    const body = Buffer.from('a,b\n1,2\n');
    const put = await client.put('obj/basic.csv', body, { meta: { rows: '2', sha256: 'deadbeef' } as never });
    expect(put.res.status).toBe(200);
    const headers = put.res.headers as Record<string, string>;
    expect(headers.etag).toBe(`"${md5Hex(body)}"`);
    expect(headers['x-oss-hash-crc64ecma']).toBe(crc64(body));
    expect(headers['x-oss-hash-crc64ecma']).toBe('18314471404491087038');
    expect(headers['x-oss-request-id']).toMatch(/^[0-9A-F]{24}$/);
    expect(headers.server).toBe('AliyunOSS');
    expect(headers.date).toBeDefined();

    const got = await client.get('obj/basic.csv');
    expect(Buffer.compare(got.content as Buffer, body)).toBe(0);
    expect((got.res.headers as Record<string, string>)['x-oss-hash-crc64ecma']).toBe(crc64(body));

    const head = await client.head('obj/basic.csv');
    const hh = head.res.headers as Record<string, string>;
    expect(head.meta).toEqual({ rows: '2', sha256: 'deadbeef' });
    expect(hh['content-type']).toBe('text/csv');
    expect(hh['content-length']).toBe(String(body.length));
    expect(hh.etag).toBe(`"${md5Hex(body)}"`);
    expect(new Date(hh['last-modified']!).getTime()).not.toBeNaN();
    expect(hh['x-oss-hash-crc64ecma']).toBe(crc64(body));

    const meta = await client.getObjectMeta('obj/basic.csv');
    expect((meta.res.headers as Record<string, string>)['content-length']).toBe(String(body.length));

    const del = await client.delete('obj/basic.csv');
    expect(del.res.status).toBe(204);
    expect(await failure(client.head('obj/basic.csv'))).toMatchObject({ code: 'NoSuchKey', status: 404 });
    expect(await failure(client.get('obj/basic.csv'))).toMatchObject({ code: 'NoSuchKey', status: 404 });
    expect((await client.delete('obj/basic.csv')).res.status).toBe(204);
  });

  it('keeps keys with spaces, plus signs and non-ASCII intact', async () => {
    const client = h.client();
    const key = 'dir/a b+c 因子.parquet';
    await client.put(key, Buffer.from('x'));
    expect((await client.get(key)).content.toString()).toBe('x');
    const listed = await client.listV2({ prefix: 'dir/' }, {});
    expect(listed.objects.map((o) => o.name)).toEqual([key]);
  });

  it('rejects a Content-MD5 mismatch with InvalidDigest and stores nothing', async () => {
    const client = h.client();
    const wrong = createHash('md5').update('something else').digest('base64');
    const err = await failure(
      client.put('obj/md5.csv', Buffer.from('payload'), { headers: { 'Content-MD5': wrong } }),
    );
    expect(err).toMatchObject({ code: 'InvalidDigest', status: 400 });
    expect(await failure(client.head('obj/md5.csv'))).toMatchObject({ code: 'NoSuchKey' });
  });

  it('refuses to overwrite with x-oss-forbid-overwrite: FileAlreadyExists', async () => {
    const client = h.client();
    const headers = { 'x-oss-forbid-overwrite': 'true' };
    await client.put('obj/once.csv', Buffer.from('first'), { headers });
    const err = await failure(client.put('obj/once.csv', Buffer.from('second'), { headers }));
    expect(err).toMatchObject({ code: 'FileAlreadyExists', status: 409 });
    expect((await client.get('obj/once.csv')).content.toString()).toBe('first');
    await client.put('obj/once.csv', Buffer.from('third'));
    expect((await client.get('obj/once.csv')).content.toString()).toBe('third');
  });

  it('serves ranges with 206 and refuses an unsatisfiable one with 416 InvalidRange', async () => {
    const client = h.client();
    await client.put('obj/range.bin', Buffer.from('0123456789'));
    const part = await client.get('obj/range.bin', { headers: { Range: 'bytes=2-5' } });
    expect(part.res.status).toBe(206);
    expect(part.content.toString()).toBe('2345');
    expect((part.res.headers as Record<string, string>)['content-range']).toBe('bytes 2-5/10');
    const tail = await client.get('obj/range.bin', { headers: { Range: 'bytes=-3' } });
    expect(tail.content.toString()).toBe('789');
    const err = await failure(client.get('obj/range.bin', { headers: { Range: 'bytes=50-60' } }));
    expect(err).toMatchObject({ code: 'InvalidRange', status: 416 });
  });

  it('copies with COPY and REPLACE metadata directives and honours forbid-overwrite', async () => {
    const client = h.client();
    const body = Buffer.from('copy me');
    await client.put('obj/src.csv', body, { meta: { origin: 'src' } as never });
    const copied = await client.copy('obj/dst key.csv', 'obj/src.csv');
    expect(copied.res.status).toBe(200);
    expect(copied.data?.etag).toBe(`"${md5Hex(body)}"`);
    expect((copied.res.headers as Record<string, string>)['x-oss-hash-crc64ecma']).toBe(crc64(body));
    expect((await client.head('obj/dst key.csv')).meta).toEqual({ origin: 'src' });

    await client.copy('obj/replaced.csv', 'obj/src.csv', { meta: { origin: 'new' } as never });
    expect((await client.head('obj/replaced.csv')).meta).toEqual({ origin: 'new' });
    expect((await client.get('obj/replaced.csv')).content.toString()).toBe('copy me');

    const err = await failure(
      client.copy('obj/replaced.csv', 'obj/src.csv', { headers: { 'x-oss-forbid-overwrite': 'true' } }),
    );
    expect(err).toMatchObject({ code: 'FileAlreadyExists', status: 409 });
    expect(await failure(client.copy('obj/x.csv', 'obj/missing.csv'))).toMatchObject({ code: 'NoSuchKey' });
  });

  it('keeps a same-bucket copy whole after its source is overwritten and deleted', async () => {
    const client = h.client();
    const body = Buffer.from('first bytes');
    await client.put('obj/shared-src.csv', body);
    const copied = await client.copy('obj/shared-dst.csv', 'obj/shared-src.csv');
    expect((copied.res.headers as Record<string, string>)['x-oss-hash-crc64ecma']).toBe(crc64(body));
    await client.put('obj/shared-src.csv', Buffer.from('second, longer bytes'));
    expect((await client.get('obj/shared-dst.csv')).content.toString()).toBe('first bytes');
    await client.delete('obj/shared-src.csv');
    const got = await client.get('obj/shared-dst.csv');
    expect(got.content.toString()).toBe('first bytes');
    expect((got.res.headers as Record<string, string>)['x-oss-hash-crc64ecma']).toBe(crc64(body));
    const head = await client.head('obj/shared-dst.csv');
    expect((head.res.headers as Record<string, string>)['content-length']).toBe(String(body.length));
  });

  it('puts, gets and deletes object tags', async () => {
    const client = h.client();
    await client.put('obj/tagged.csv', Buffer.from('t'));
    const put = await client.putObjectTagging('obj/tagged.csv', { status: 'loaded', batch: '007' });
    expect(put.status).toBe(200);
    expect((await client.getObjectTagging('obj/tagged.csv')).tag).toEqual({ status: 'loaded', batch: '007' });
    await client.deleteObjectTagging('obj/tagged.csv');
    expect((await client.getObjectTagging('obj/tagged.csv')).tag).toEqual({});
    expect(await failure(client.putObjectTagging('obj/none.csv', { a: 'b' }))).toMatchObject({
      code: 'NoSuchKey',
    });
  });

  it('answers a missing bucket with NoSuchBucket and creates buckets on PutBucket', async () => {
    const other = h.client({ bucket: 'no-such-bucket' });
    expect(await failure(other.get('a'))).toMatchObject({ code: 'NoSuchBucket', status: 404 });
    await h.client().putBucket('made-here');
    const info = await h.client().getBucketInfo('made-here');
    expect(info.bucket).toMatchObject({ Name: 'made-here', Location: `oss-${REGION}` });
    await h.client({ bucket: 'made-here' }).put('k', Buffer.from('v'));
  });

  it('sends OSS error XML with code, request id, host id and EC', async () => {
    const res = await signedRequest(h.server, { method: 'GET', key: 'obj/absent.csv' });
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/xml');
    expect(res.body).toContain('<Code>NoSuchKey</Code>');
    expect(res.body).toContain(`<RequestId>${res.headers['x-oss-request-id']}</RequestId>`);
    expect(res.body).toContain(`<HostId>${BUCKET}.oss-${REGION}.aliyuncs.com</HostId>`);
    expect(res.body).toContain('<Key>obj/absent.csv</Key>');
    expect(res.body).toMatch(/<EC>\d{4}-\d{8}<\/EC>/);
  });

  it('refuses key traversal and a POST without a sub-resource', async () => {
    const traversal = await signedRequest(h.server, { method: 'GET', key: 'a/../../etc/passwd' });
    expect(traversal.status).toBe(400);
    expect(traversal.body).toContain('<Code>InvalidObjectName</Code>');
    const post = await signedRequest(h.server, { method: 'POST', key: 'obj/x' });
    expect(post.status).toBe(405);
    expect(post.body).toContain('<Code>MethodNotAllowed</Code>');
  });
});
