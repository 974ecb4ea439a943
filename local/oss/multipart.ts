import { Readable } from 'node:stream';
import { readSmallBody, receiveBody } from './body.js';
import {
  hostId,
  isTrue,
  type OssContext,
  requestHeader,
  sendEmpty,
  sendXml,
  storedHeaders,
  taggingHeader,
} from './context.js';
import { copySource } from './object-copy.js';
import { unquote } from './object-read.js';
import { alreadyExists, checkDigest, contentMd5 } from './object-write.js';
import { ossError } from './oss-error.js';
import { parseRange } from './range.js';
import { child, leaf, node, parseXmlBody, text } from './xml.js';

/** POST /<key>?uploads */
export async function initiateMultipartUpload(ctx: OssContext): Promise<void> {
  const { bucket, key } = ctx.target;
  if (isTrue(requestHeader(ctx, 'x-oss-forbid-overwrite')) && (await ctx.store.readMeta(bucket, key))) {
    throw alreadyExists(key);
  }
  const upload = await ctx.uploads.initiate(bucket, { key, ...storedHeaders(ctx), tags: taggingHeader(ctx) });
  sendXml(
    ctx,
    200,
    node(
      'InitiateMultipartUploadResult',
      leaf('Bucket', bucket),
      leaf('Key', key),
      leaf('UploadId', upload.uploadId),
    ),
  );
}

/** PUT /<key>?partNumber=N&uploadId=ID, or UploadPartCopy when x-oss-copy-source is set. */
export async function uploadPart(ctx: OssContext): Promise<void> {
  const partNumber = Number(ctx.query.partNumber);
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000) {
    throw ossError(
      'InvalidArgument',
      { ArgumentName: 'partNumber', ArgumentValue: ctx.query.partNumber ?? '' },
      'Part number must be an integer between 1 and 10000, inclusive.',
    );
  }
  const upload = await ctx.uploads.get(ctx.target.bucket, ctx.query.uploadId ?? '', ctx.target.key);
  const expectedMd5 = contentMd5(ctx);
  const body =
    requestHeader(ctx, 'x-oss-copy-source') === undefined
      ? await receiveBody(ctx.req, ctx.store.temp.path('part'))
      : await copyPartBody(ctx);
  await checkDigest(body, expectedMd5);
  const part = await ctx.uploads.putPart(ctx.target.bucket, upload, partNumber, body);
  const etag = `"${part.etag}"`;
  if (requestHeader(ctx, 'x-oss-copy-source') !== undefined) {
    sendXml(ctx, 200, node('CopyPartResult', leaf('LastModified', part.lastModified), leaf('ETag', etag)), {
      ETag: etag,
    });
    return;
  }
  sendEmpty(ctx, 200, {
    ETag: etag,
    'Content-MD5': body.md5.toString('base64'),
    'x-oss-hash-crc64ecma': part.crc64,
  });
}

/** UploadPartCopy: the part's bytes come from (a range of) another object. */
async function copyPartBody(ctx: OssContext) {
  const source = copySource(ctx);
  await ctx.store.getBucket(source.bucket);
  const { meta, file } = await ctx.store.openObject(source.bucket, source.key);
  try {
    const range = parseRange(requestHeader(ctx, 'x-oss-copy-source-range'), meta.size);
    if (range === 'unsatisfiable') throw ossError('InvalidRange');
    const { start, end } = range ?? { start: 0, end: meta.size - 1 };
    const stream = end >= start ? file.createReadStream({ start, end, autoClose: false }) : Readable.from([]);
    return await receiveBody(stream, ctx.store.temp.path('part'));
  } finally {
    await file.close();
  }
}

/** POST /<key>?uploadId=ID with the part list (or `x-oss-complete-all: yes` and no list). */
export async function completeMultipartUpload(ctx: OssContext): Promise<void> {
  const { bucket, key } = ctx.target;
  const upload = await ctx.uploads.get(bucket, ctx.query.uploadId ?? '', key);
  const completeAll = requestHeader(ctx, 'x-oss-complete-all')?.toLowerCase() === 'yes';
  const raw = await readSmallBody(ctx.req);
  const requested = completeAll ? 'all' : parsePartList(raw);
  const forbidOverwrite = isTrue(requestHeader(ctx, 'x-oss-forbid-overwrite'));
  if (forbidOverwrite && (await ctx.store.readMeta(bucket, key))) throw alreadyExists(key);
  const { body, etag } = await ctx.uploads.assemble(bucket, upload, requested);
  const { meta, previous } = await ctx.store.commit(bucket, key, body.path, (current) => {
    if (forbidOverwrite && current) throw alreadyExists(key);
    const { contentType, userMeta, headers, tags } = upload;
    const lastModified = new Date().toISOString();
    return {
      key,
      size: body.size,
      etag,
      crc64: body.crc64,
      lastModified,
      contentType,
      userMeta,
      headers,
      tags,
      type: 'Multipart',
    };
  });
  await ctx.uploads.remove(bucket, upload);
  const location = `http://${hostId(ctx)}/${encodeURIComponent(key).replace(/%2F/g, '/')}`;
  const quoted = `"${etag}"`;
  const result = node(
    'CompleteMultipartUploadResult',
    leaf('Location', location),
    leaf('Bucket', bucket),
    leaf('Key', key),
    leaf('ETag', quoted),
  );
  sendXml(ctx, 200, result, { ETag: quoted, 'x-oss-hash-crc64ecma': meta.crc64 });
  ctx.created('ObjectCreated:CompleteMultipartUpload', meta, previous);
}

/** DELETE /<key>?uploadId=ID */
export async function abortMultipartUpload(ctx: OssContext): Promise<void> {
  const upload = await ctx.uploads.get(ctx.target.bucket, ctx.query.uploadId ?? '', ctx.target.key);
  await ctx.uploads.remove(ctx.target.bucket, upload);
  sendEmpty(ctx, 204);
}

/** `<CompleteMultipartUpload><Part><PartNumber/><ETag/></Part>…` → the list in the client's order. */
function parsePartList(raw: Buffer): { partNumber: number; etag: string }[] {
  const doc = parseXmlBody(raw);
  const parts = child(doc, 'CompleteMultipartUpload', 'Part');
  if (child(doc, 'CompleteMultipartUpload') === undefined || !Array.isArray(parts))
    throw ossError('MalformedXML');
  return parts.map((part) => {
    const partNumber = Number(text(part, 'PartNumber'));
    if (!Number.isInteger(partNumber)) throw ossError('MalformedXML');
    return { partNumber, etag: unquote(text(part, 'ETag') ?? '') };
  });
}
