import { receiveBody } from './body.js';
import { isTrue, type OssContext, requestHeader, sendXml, storedHeaders, taggingHeader } from './context.js';
import { unquote } from './object-read.js';
import { alreadyExists } from './object-write.js';
import { ossError } from './oss-error.js';
import type { ObjectMeta } from './store.js';
import { leaf, node } from './xml.js';

/** Where `x-oss-copy-source: /<bucket>/<percent-encoded key>` points. */
export function copySource(ctx: OssContext): { bucket: string; key: string } {
  const raw = (requestHeader(ctx, 'x-oss-copy-source') ?? '').split('?')[0]!;
  const slash = raw.indexOf('/', 1);
  if (!raw.startsWith('/') || slash < 0)
    throw ossError(
      'InvalidArgument',
      { 'x-oss-copy-source': raw },
      'Copy Source must mention the source bucket and key: /sourcebucket/sourcekey.',
    );
  try {
    return { bucket: raw.slice(1, slash), key: decodeURIComponent(raw.slice(slash + 1)) };
  } catch {
    throw ossError('InvalidArgument', { 'x-oss-copy-source': raw }, 'Copy Source is not properly encoded.');
  }
}

/**
 * CopyObject: the destination gets the source bytes; metadata per x-oss-metadata-directive (COPY|REPLACE).
 * Within one bucket the copy shares the source's stored bytes (OSS's own same-bucket copy has no size limit,
 * unlike the 1 GB between buckets: https://www.alibabacloud.com/help/en/oss/developer-reference/copyobject), so
 * it costs nothing in proportion to the object's size; between buckets the bytes are copied and hashed.
 */
export async function copyObject(ctx: OssContext): Promise<void> {
  const { bucket, key } = ctx.target;
  const source = copySource(ctx);
  const directive = directiveOf(ctx, 'x-oss-metadata-directive');
  const tagDirective = directiveOf(ctx, 'x-oss-tagging-directive');
  const forbidOverwrite = isTrue(requestHeader(ctx, 'x-oss-forbid-overwrite'));
  await ctx.store.getBucket(source.bucket);
  const { meta: from, file } = await ctx.store.openObject(source.bucket, source.key);
  let copied: { path: string; size: number; crc64: string };
  try {
    checkCopyConditions(ctx, from);
    if (forbidOverwrite && (await ctx.store.readMeta(bucket, key))) throw alreadyExists(key);
    const path = ctx.store.temp.path('copy');
    copied =
      source.bucket === bucket && (await ctx.store.linkData(bucket, from, path))
        ? { path, size: from.size, crc64: from.crc64 }
        : await receiveBody(file.createReadStream({ autoClose: false }), path);
  } finally {
    await file.close();
  }
  const own = directive === 'REPLACE' ? storedHeaders(ctx) : from;
  const { meta, previous } = await ctx.store.commit(bucket, key, copied.path, (current) => {
    if (forbidOverwrite && current) throw alreadyExists(key);
    return {
      key,
      size: copied.size,
      etag: from.etag,
      crc64: copied.crc64,
      lastModified: new Date().toISOString(),
      contentType: own.contentType,
      userMeta: own.userMeta,
      headers: own.headers,
      tags: tagDirective === 'REPLACE' ? taggingHeader(ctx) : { ...from.tags },
      type: from.type,
    };
  });
  const result = node(
    'CopyObjectResult',
    leaf('ETag', `"${meta.etag}"`),
    leaf('LastModified', meta.lastModified),
  );
  sendXml(ctx, 200, result, { 'x-oss-hash-crc64ecma': meta.crc64 });
  ctx.created('ObjectCreated:CopyObject', meta, previous);
}

function directiveOf(ctx: OssContext, name: string): 'COPY' | 'REPLACE' {
  const value = (requestHeader(ctx, name) ?? 'COPY').toUpperCase();
  if (value !== 'COPY' && value !== 'REPLACE')
    throw ossError('InvalidArgument', { [name]: value }, `Invalid ${name}.`);
  return value;
}

/** x-oss-copy-source-if-*: a failed condition is 412 PreconditionFailed, as OSS answers for CopyObject. */
function checkCopyConditions(ctx: OssContext, from: ObjectMeta): void {
  const ifMatch = requestHeader(ctx, 'x-oss-copy-source-if-match');
  const ifNoneMatch = requestHeader(ctx, 'x-oss-copy-source-if-none-match');
  const ifUnmodified = requestHeader(ctx, 'x-oss-copy-source-if-unmodified-since');
  const ifModified = requestHeader(ctx, 'x-oss-copy-source-if-modified-since');
  const modified = Math.floor(Date.parse(from.lastModified) / 1000);
  const since = (value: string) => Math.floor(Date.parse(value) / 1000);
  const failed =
    (ifMatch !== undefined && unquote(ifMatch) !== from.etag) ||
    (ifNoneMatch !== undefined && unquote(ifNoneMatch) === from.etag) ||
    (ifUnmodified !== undefined && modified > since(ifUnmodified)) ||
    (ifModified !== undefined && modified <= since(ifModified));
  if (failed) throw ossError('PreconditionFailed', { Condition: 'x-oss-copy-source-if' });
}
