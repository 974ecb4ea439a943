import { removeQuietly } from './atomic-file.js';
import { discardBody, type ReceivedBody, receiveBody } from './body.js';
import {
  isTrue,
  type OssContext,
  requestHeader,
  type StoredFields,
  sendEmpty,
  storedHeaders,
  taggingHeader,
} from './context.js';
import { OssError, ossError } from './oss-error.js';
import type { ObjectMeta } from './store.js';

/** PutObject: stream to a temp file, check Content-MD5, then commit atomically. */
export async function putObject(ctx: OssContext): Promise<void> {
  const { bucket, key } = ctx.target;
  const forbidOverwrite = isTrue(requestHeader(ctx, 'x-oss-forbid-overwrite'));
  const expectedMd5 = contentMd5(ctx);
  if (forbidOverwrite && (await ctx.store.readMeta(bucket, key))) {
    await discardBody(ctx.req);
    throw alreadyExists(key);
  }
  const body = await receiveBody(ctx.req, ctx.store.temp.path('put'));
  await checkDigest(body, expectedMd5);
  const object = { ...storedHeaders(ctx), tags: taggingHeader(ctx) };
  const { meta, previous } = await commitBody(ctx, key, body, object, forbidOverwrite);
  sendEmpty(ctx, 200, writeHeaders(meta, body));
  ctx.created('ObjectCreated:PutObject', meta, previous);
}

/**
 * Make a received body the (Normal) object at `key`, with its stored headers and tags. Under
 * x-oss-forbid-overwrite an object that appeared meanwhile wins: FileAlreadyExists, atomically with the write.
 */
export function commitBody(
  ctx: OssContext,
  key: string,
  body: ReceivedBody,
  object: StoredFields & { tags: Record<string, string> },
  forbidOverwrite: boolean,
): Promise<{ meta: ObjectMeta; previous: ObjectMeta | undefined }> {
  return ctx.store.commit(ctx.target.bucket, key, body.path, (current) => {
    if (forbidOverwrite && current) throw alreadyExists(key);
    return {
      key,
      size: body.size,
      etag: body.md5.toString('hex').toUpperCase(),
      crc64: body.crc64,
      lastModified: new Date().toISOString(),
      ...object,
      type: 'Normal',
    };
  });
}

/** DeleteObject answers 204 whether or not the object existed. */
export async function deleteObject(ctx: OssContext): Promise<void> {
  await ctx.store.remove(ctx.target.bucket, ctx.target.key);
  sendEmpty(ctx, 204);
}

export function writeHeaders(meta: ObjectMeta, body: ReceivedBody): Record<string, string> {
  return {
    ETag: `"${meta.etag}"`,
    'Content-MD5': body.md5.toString('base64'),
    'x-oss-hash-crc64ecma': meta.crc64,
  };
}

/** The Content-MD5 header as raw bytes; a value that is not base64 of 16 bytes is InvalidDigest. */
export function contentMd5(ctx: OssContext): Buffer | undefined {
  const header = requestHeader(ctx, 'content-md5');
  if (header === undefined) return undefined;
  const digest = Buffer.from(header, 'base64');
  if (digest.length !== 16 || digest.toString('base64') !== header.trim()) {
    throw new OssError('InvalidDigest', { ec: '0017-00000502', details: { 'Content-MD5': header } });
  }
  return digest;
}

/** OSS recomputes the MD5 of what it received; a mismatch rejects the write and keeps nothing. */
export async function checkDigest(body: ReceivedBody, expected: Buffer | undefined): Promise<void> {
  if (expected === undefined || expected.equals(body.md5)) return;
  await removeQuietly(body.path);
  throw ossError('InvalidDigest', {
    'Content-MD5': expected.toString('base64'),
    CalculatedMD5: body.md5.toString('base64'),
  });
}

export function alreadyExists(key: string): OssError {
  return ossError('FileAlreadyExists', { Key: key });
}
