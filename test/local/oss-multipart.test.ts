import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type OSS from 'ali-oss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc64 } from '../../core/crc64.js';
import type { OssFault, OssInterceptedRequest } from '../../local/oss/server.js';
import { bytes, failure, type OssHarness, signedRequest, startHarness } from './oss-harness.js';

let h: OssHarness;
/** Swappable fault injection for the resume test; every request is also recorded. */
let fault: (req: OssInterceptedRequest) => OssFault = () => undefined;
const seen: OssInterceptedRequest[] = [];

beforeAll(async () => {
  h = await startHarness({
    intercept: (req) => {
      seen.push(req);
      return fault(req);
    },
  });
});
afterAll(async () => {
  await h.close();
});

const PART = 262_144;
const SIZE = 2_600_000; // 10 parts, the last one short
const md5 = (b: Buffer) => createHash('md5').update(b).digest();

/** The ETag OSS gives a multipart object: MD5 of the concatenated raw part MD5s, then `-<parts>`. */
function multipartEtag(data: Buffer, partSize: number): string {
  const digests: Buffer[] = [];
  for (let at = 0; at < data.length; at += partSize) digests.push(md5(data.subarray(at, at + partSize)));
  return `${createHash('md5').update(Buffer.concat(digests)).digest('hex').toUpperCase()}-${digests.length}`;
}

const partPuts = (key: string) =>
  seen
    .filter((r) => r.method === 'PUT' && r.key === key && r.query.partNumber !== undefined)
    .map((r) => Number(r.query.partNumber));

describe('local OSS multipart through ali-oss', () => {
  it('uploads ~2.5 MB in parts with progress, the OSS ETag and a whole-object CRC-64', async () => {
    const data = bytes(SIZE, 7);
    const file = join(h.root, 'upload-src.bin');
    await writeFile(file, data);
    const progress: number[] = [];
    const client = h.client();
    const before = h.events.length;
    const result = await client.multipartUpload('mp/big.parquet', file, {
      partSize: PART,
      parallel: 3,
      meta: { rows: '42' } as never,
      progress: (p: number) => {
        progress.push(p);
      },
    });
    const etag = multipartEtag(data, PART);
    expect(result.etag).toBe(`"${etag}"`);
    expect((result.res.headers as Record<string, string>)['x-oss-hash-crc64ecma']).toBe(crc64(data));
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress).toHaveLength(12);

    const head = await client.head('mp/big.parquet');
    const headers = head.res.headers as Record<string, string>;
    expect(headers['x-oss-hash-crc64ecma']).toBe(crc64(data));
    expect(headers['x-oss-object-type']).toBe('Multipart');
    expect(headers['content-length']).toBe(String(SIZE));
    expect(head.meta).toEqual({ rows: '42' });
    expect(Buffer.compare((await client.get('mp/big.parquet')).content as Buffer, data)).toBe(0);

    await expect.poll(() => h.events.length).toBe(before + 1);
    expect(h.events.slice(before)).toEqual([
      expect.objectContaining({
        eventName: 'ObjectCreated:CompleteMultipartUpload',
        oss: expect.objectContaining({
          object: {
            deltaSize: SIZE,
            eTag: etag,
            key: 'mp/big.parquet',
            size: SIZE,
            objectMeta: { mimeType: 'application/octet-stream', userMeta: { 'x-oss-meta-rows': '42' } },
          },
        }),
      }),
    ]);
  });

  it('resumes from a checkpoint, sending only the missing parts', async () => {
    const data = bytes(SIZE, 11);
    const file = join(h.root, 'resume-src.bin');
    await writeFile(file, data);
    const key = 'mp/resumed.bin';
    let checkpoint: OSS.Checkpoint | undefined;
    const keep = (_p: number, cp: OSS.Checkpoint | undefined) => {
      if (cp) checkpoint = { ...cp, doneParts: cp.doneParts.map((d) => ({ ...d })) };
    };
    fault = (req) =>
      req.key === key && req.query.partNumber === '4'
        ? { status: 503, code: 'ServiceUnavailable', message: 'injected' }
        : undefined;
    const client = h.client();
    const err = await failure(
      client.multipartUpload(key, file, { partSize: PART, parallel: 1, progress: keep }),
    );
    expect(err).toMatchObject({ code: 'ServiceUnavailable', status: 503 });
    expect(partPuts(key)).toEqual([1, 2, 3, 4]);
    expect(checkpoint?.doneParts.map((d) => d.number)).toEqual([1, 2, 3]);
    expect(await failure(client.head(key))).toMatchObject({ code: 'NoSuchKey' });

    fault = () => undefined;
    const sentBefore = partPuts(key).length;
    const result = await client.multipartUpload(key, file, {
      partSize: PART,
      parallel: 1,
      checkpoint,
      progress: keep,
    });
    expect(partPuts(key).slice(sentBefore)).toEqual([4, 5, 6, 7, 8, 9, 10]);
    expect(seen.filter((r) => r.key === key && r.query.uploads !== undefined)).toHaveLength(1);
    expect(result.etag).toBe(`"${multipartEtag(data, PART)}"`);
    const got = await client.get(key);
    expect(Buffer.compare(got.content as Buffer, data)).toBe(0);
    expect((got.res.headers as Record<string, string>)['x-oss-hash-crc64ecma']).toBe(crc64(data));
  });

  it('resumes after a connection drop with parts in flight (parallel 4): no finished part re-sent', async () => {
    const data = bytes(SIZE, 12);
    const file = join(h.root, 'resume-parallel.bin');
    await writeFile(file, data);
    const key = 'mp/resumed-parallel.bin';
    let checkpoint: OSS.Checkpoint | undefined;
    const keep = (_p: number, cp: OSS.Checkpoint | undefined) => {
      if (cp) checkpoint = { ...cp, doneParts: cp.doneParts.map((d) => ({ ...d })) };
    };
    fault = (req) => (req.key === key && req.query.partNumber === '6' ? 'reset' : undefined);
    const client = h.client();
    await expect(
      client.multipartUpload(key, file, { partSize: PART, parallel: 4, progress: keep }),
    ).rejects.toThrow();
    // Parts still in flight may report progress after the rejection: resume from the checkpoint as it was then.
    const resumeFrom = structuredClone(checkpoint);
    const done = (resumeFrom?.doneParts ?? []).map((d) => d.number);
    expect(done).not.toContain(6);
    expect(await failure(client.head(key))).toMatchObject({ code: 'NoSuchKey' });

    fault = () => undefined;
    const sentBefore = partPuts(key).length;
    await client.multipartUpload(key, file, { partSize: PART, parallel: 4, checkpoint: resumeFrom });
    const resent = partPuts(key).slice(sentBefore);
    expect(resent.filter((n) => done.includes(n))).toEqual([]);
    expect([...new Set([...done, ...resent])].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(seen.filter((r) => r.key === key && r.query.uploads !== undefined)).toHaveLength(1);
    const got = await client.get(key);
    expect(Buffer.compare(got.content as Buffer, data)).toBe(0);
    expect((got.res.headers as Record<string, string>)['x-oss-hash-crc64ecma']).toBe(crc64(data));
  });

  it('validates the part list on complete: InvalidPart, InvalidPartOrder, EntityTooSmall', async () => {
    const client = h.client();
    const key = 'mp/validated.bin';
    const data = bytes(3 * 102_400, 3);
    const { uploadId } = await client.initMultipartUpload(key);
    const parts = [];
    for (let n = 1; n <= 3; n++) {
      const r = await client.uploadPart(key, uploadId, n, data, (n - 1) * 102_400, n * 102_400);
      expect(r.etag).toBe(
        `"${md5(data.subarray((n - 1) * 102_400, n * 102_400))
          .toString('hex')
          .toUpperCase()}"`,
      );
      parts.push({ number: n, etag: r.etag });
    }
    const wrongEtag = parts.map((p, i) =>
      i === 1 ? { ...p, etag: '"00000000000000000000000000000000"' } : p,
    );
    expect(await failure(client.completeMultipartUpload(key, uploadId, wrongEtag))).toMatchObject({
      code: 'InvalidPart',
      status: 400,
    });
    const unknown = [...parts, { number: 9, etag: parts[0]!.etag }];
    expect(await failure(client.completeMultipartUpload(key, uploadId, unknown))).toMatchObject({
      code: 'InvalidPart',
    });

    const xml = `<CompleteMultipartUpload>${[parts[1]!, parts[0]!, parts[2]!]
      .map((p) => `<Part><PartNumber>${p.number}</PartNumber><ETag>${p.etag}</ETag></Part>`)
      .join('')}</CompleteMultipartUpload>`;
    const outOfOrder = await signedRequest(
      h.server,
      { method: 'POST', key, subres: { uploadId }, headers: { 'content-type': 'application/xml' } },
      xml,
    );
    expect(outOfOrder.status).toBe(400);
    expect(outOfOrder.body).toContain('<Code>InvalidPartOrder</Code>');

    const small = await client.initMultipartUpload('mp/small.bin');
    const tiny = Buffer.from('0123456789');
    const p1 = await client.uploadPart('mp/small.bin', small.uploadId, 1, tiny, 0, 5);
    const p2 = await client.uploadPart('mp/small.bin', small.uploadId, 2, tiny, 5, 10);
    const tooSmall = [
      { number: 1, etag: p1.etag },
      { number: 2, etag: p2.etag },
    ];
    expect(
      await failure(client.completeMultipartUpload('mp/small.bin', small.uploadId, tooSmall)),
    ).toMatchObject({
      code: 'EntityTooSmall',
      status: 400,
    });

    const done = await client.completeMultipartUpload(key, uploadId, parts);
    expect(done.etag).toBe(`"${multipartEtag(data, 102_400)}"`);
    expect(Buffer.compare((await client.get(key)).content as Buffer, data)).toBe(0);
    expect(await failure(client.listParts(key, uploadId))).toMatchObject({
      code: 'NoSuchUpload',
      status: 404,
    });
  });

  it('replaces a re-sent part, lists parts, and aborts', async () => {
    const client = h.client();
    const key = 'mp/aborted.bin';
    const { uploadId } = await client.initMultipartUpload(key);
    await client.uploadPart(key, uploadId, 1, Buffer.from('first version'), 0, 13);
    const second = await client.uploadPart(key, uploadId, 1, Buffer.from('second version'), 0, 14);
    const listed = await client.listParts(key, uploadId);
    const partList = Array.isArray(listed.parts) ? listed.parts : [listed.parts];
    expect(partList).toEqual([expect.objectContaining({ PartNumber: '1', ETag: second.etag, Size: '14' })]);
    const uploads = await client.listUploads({ prefix: 'mp/aborted' });
    expect(uploads.uploads.map((u) => u.uploadId)).toEqual([uploadId]);

    const before = h.events.length;
    const aborted = await client.abortMultipartUpload(key, uploadId);
    expect((aborted as unknown as { res: { status: number } }).res.status).toBe(204);
    expect(await failure(client.uploadPart(key, uploadId, 2, Buffer.from('x'), 0, 1))).toMatchObject({
      code: 'NoSuchUpload',
    });
    expect(await failure(client.abortMultipartUpload(key, uploadId))).toMatchObject({ code: 'NoSuchUpload' });
    expect(await failure(client.listParts(key, 'NOT-AN-UPLOAD'))).toMatchObject({ code: 'NoSuchUpload' });
    expect(await failure(client.head(key))).toMatchObject({ code: 'NoSuchKey' });
    expect(h.events.length).toBe(before);
  });
});
