import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Crc64 } from '../../core/crc64.js';
import {
  AK,
  BUCKET,
  bytes,
  type Client,
  failure,
  type OssHarness,
  type PostForm,
  postObjectForm,
  postPolicy,
  REGION,
  STS,
  startHarness,
  stsOptions,
} from './oss-harness.js';

/** ali-oss 6.23 lib/common/object/signPostObjectPolicyV4.js; @types/ali-oss leaves it out. */
type V4Client = Client & { signPostObjectPolicyV4(policy: object, date: Date): string };

let h: OssHarness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

/** V1 form fields exactly as ali-oss's calculatePostSignature produces them. */
function v1Fields(policy: object, client: Client = h.client()): Record<string, string> {
  const { OSSAccessKeyId, Signature, policy: encoded } = client.calculatePostSignature(policy);
  return { OSSAccessKeyId, policy: encoded, Signature };
}

/** V4 form fields; the signature from ali-oss's signPostObjectPolicyV4 over the same policy. */
function v4Fields(policy: object, client: V4Client, accessKeyId: string): Record<string, string> {
  const now = new Date();
  const date = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return {
    policy: Buffer.from(JSON.stringify(policy)).toString('base64'),
    'x-oss-signature-version': 'OSS4-HMAC-SHA256',
    'x-oss-credential': `${accessKeyId}/${date.slice(0, 8)}/${REGION}/oss/aliyun_v4_request`,
    'x-oss-date': date,
    'x-oss-signature': client.signPostObjectPolicyV4(policy, now),
  };
}

const xmlCode = (body: string) => /<Code>([^<]*)<\/Code>/.exec(body)?.[1];

async function post(form: PostForm) {
  return postObjectForm(h.server, form);
}

describe('local OSS PostObject (HTML form upload)', () => {
  it('stores the file under the key with its meta, answers 201 PostResponse, and emits PostObject', async () => {
    const file = bytes(3 * 1024 * 1024 + 17, 7);
    const policy = postPolicy([
      { bucket: BUCKET },
      ['starts-with', '$key', 'incoming/'],
      ['content-length-range', 1, 10 * 1024 * 1024],
      ['eq', '$success_action_status', '201'],
    ]);
    const before = h.events.length;
    const res = await post({
      fields: {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: OSS's placeholder for the file's name.
        key: 'incoming/form/${filename}',
        'x-oss-meta-rows': '42',
        success_action_status: '201',
        'Content-Type': 'application/gzip',
        ...v1Fields(policy),
      },
      file,
      filename: 'data.csv.gz',
    });
    expect(res.status).toBe(201);
    const md5 = createHash('md5').update(file).digest('hex').toUpperCase();
    expect(new XMLParser({ parseTagValue: false }).parse(res.body)).toEqual({
      '?xml': '',
      PostResponse: {
        Bucket: BUCKET,
        Location: `http://${BUCKET}.oss-${REGION}.aliyuncs.com/incoming/form/data.csv.gz`,
        Key: 'incoming/form/data.csv.gz',
        ETag: `"${md5}"`,
      },
    });
    expect(res.headers.etag).toBe(`"${md5}"`);
    const crc = new Crc64();
    crc.update(file);
    expect(res.headers['x-oss-hash-crc64ecma']).toBe(crc.digestDecimal());

    const client = h.client();
    const got = await client.get('incoming/form/data.csv.gz');
    expect(Buffer.compare(got.content as Buffer, file)).toBe(0);
    const head = await client.head('incoming/form/data.csv.gz');
    expect(head.meta).toEqual({ rows: '42' });
    expect((head.res.headers as Record<string, string>)['content-type']).toBe('application/gzip');

    await expect.poll(() => h.events.length).toBe(before + 1);
    expect(h.events.at(-1)).toMatchObject({
      eventName: 'ObjectCreated:PostObject',
      responseElements: { requestId: res.headers['x-oss-request-id'] },
      oss: {
        bucket: { name: BUCKET },
        object: {
          key: 'incoming/form/data.csv.gz',
          size: file.length,
          eTag: md5,
          objectMeta: { mimeType: 'application/gzip', userMeta: { 'x-oss-meta-rows': '42' } },
        },
      },
    });
  });

  it('answers 204 by default and 200 when asked, and takes the file part type when no field names one', async () => {
    const policy = postPolicy([]);
    const plain = await post({
      fields: { key: 'form/plain.csv', ...v1Fields(policy) },
      file: Buffer.from('a,b\n'),
      contentType: 'text/csv',
    });
    expect(plain.status).toBe(204);
    const head = await h.client().head('form/plain.csv');
    expect((head.res.headers as Record<string, string>)['content-type']).toBe('text/csv');
    const ok = await post({
      fields: { key: 'form/ok.csv', success_action_status: '200', ...v1Fields(policy) },
      file: Buffer.from('x'),
    });
    expect(ok.status).toBe(200);
  });

  it('verifies a V4 form signed with an STS credential, and refuses a wrong token', async () => {
    const client = h.client(stsOptions()) as V4Client;
    const policy = postPolicy([{ bucket: BUCKET }]);
    const fields = { key: 'form/v4.bin', ...v4Fields(policy, client, STS.accessKeyId) };
    const ok = await post({
      fields: { ...fields, 'x-oss-security-token': STS.securityToken },
      file: bytes(1000),
    });
    expect(ok.status).toBe(204);
    expect(Buffer.compare((await h.client().get('form/v4.bin')).content as Buffer, bytes(1000))).toBe(0);

    const bad = await post({ fields: { ...fields, 'x-oss-security-token': 'stolen' }, file: bytes(10) });
    expect([bad.status, xmlCode(bad.body)]).toEqual([403, 'InvalidSecurityToken']);
  });

  it('refuses a wrong secret, an expired policy, a missing policy and an unsigned form, storing nothing', async () => {
    const wrong = h.client({ accessKeySecret: 'not-the-secret' });
    const cases: [Record<string, string>, number, string][] = [
      [v1Fields(postPolicy([]), wrong), 403, 'SignatureDoesNotMatch'],
      [v1Fields(postPolicy([], -60)), 403, 'AccessDenied'],
      [{ OSSAccessKeyId: AK.accessKeyId, Signature: 'x' }, 403, 'AccessDenied'],
      [{}, 403, 'AccessDenied'],
    ];
    for (const [auth, status, code] of cases) {
      const res = await post({ fields: { key: 'form/refused.bin', ...auth }, file: Buffer.from('nope') });
      expect([res.status, xmlCode(res.body)]).toEqual([status, code]);
    }
    expect((await failure(h.client().head('form/refused.bin'))).code).toBe('NoSuchKey');
  });

  it('holds the form to its policy conditions: key prefix, exact fields, content-length-range', async () => {
    const policy = postPolicy([
      ['starts-with', '$key', 'incoming/'],
      ['in', '$x-oss-meta-kind', ['factors', 'calendar']],
      ['content-length-range', 2, 8],
    ]);
    const send = (key: string, kind: string, size: number) =>
      post({ fields: { key, 'x-oss-meta-kind': kind, ...v1Fields(policy) }, file: Buffer.alloc(size, 1) });

    const outside = await send('outgoing/a.bin', 'factors', 4);
    expect([outside.status, xmlCode(outside.body)]).toEqual([403, 'AccessDenied']);
    expect(outside.body).toContain('Policy Condition failed');
    const kind = await send('incoming/a.bin', 'models', 4);
    expect([kind.status, xmlCode(kind.body)]).toEqual([403, 'AccessDenied']);
    const big = await send('incoming/a.bin', 'factors', 9);
    expect([big.status, xmlCode(big.body)]).toEqual([400, 'EntityTooLarge']);
    const small = await send('incoming/a.bin', 'factors', 1);
    expect([small.status, xmlCode(small.body)]).toEqual([400, 'EntityTooSmall']);
    expect((await failure(h.client().head('incoming/a.bin'))).code).toBe('NoSuchKey');
    expect((await send('incoming/a.bin', 'calendar', 8)).status).toBe(204);
  });

  it('keeps an existing object under x-oss-forbid-overwrite and rejects bad keys', async () => {
    const fields = v1Fields(postPolicy([]));
    await h.client().put('form/kept.txt', Buffer.from('first'));
    const res = await post({
      fields: { key: 'form/kept.txt', 'x-oss-forbid-overwrite': 'true', ...fields },
      file: Buffer.from('second'),
    });
    expect([res.status, xmlCode(res.body)]).toEqual([409, 'FileAlreadyExists']);
    expect(((await h.client().get('form/kept.txt')).content as Buffer).toString()).toBe('first');
    const dots = await post({ fields: { key: 'form/../escape.txt', ...fields }, file: Buffer.from('x') });
    expect([dots.status, xmlCode(dots.body)]).toEqual([400, 'InvalidObjectName']);
    const none = await post({ fields, file: Buffer.from('x') });
    expect([none.status, xmlCode(none.body)]).toEqual([400, 'InvalidArgument']);
  });

  it('answers MalformedPOSTRequest to a body cut off inside the file, and stores nothing', async () => {
    const boundary = 'qlibBoundary42';
    const fields = { key: 'form/cut.bin', ...v1Fields(postPolicy([])) };
    const parts = Object.entries(fields).map(
      ([name, value]) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
    );
    const body = `${parts.join('')}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="c"\r\n\r\npartial bytes`;
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${h.server.url}/${BUCKET}`, {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      });
      req.on('error', reject);
      req.on('response', (r) => {
        let text = '';
        r.on('data', (c: Buffer) => {
          text += c.toString();
        });
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body: text }));
      });
      req.end(body);
    });
    expect([res.status, xmlCode(res.body)]).toEqual([400, 'MalformedPOSTRequest']);
    expect((await failure(h.client().head('form/cut.bin'))).code).toBe('NoSuchKey');
  });
});
