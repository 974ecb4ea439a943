import { type OssContext, sendXml } from './context.js';
import { leaf, node } from './xml.js';

/** GET /<key>?uploadId=ID [max-parts, part-number-marker] */
export async function listParts(ctx: OssContext): Promise<void> {
  const { bucket, key } = ctx.target;
  const upload = await ctx.uploads.get(bucket, ctx.query.uploadId ?? '', key);
  const marker = Number(ctx.query['part-number-marker'] ?? '0') || 0;
  const maxParts = Math.min(Number(ctx.query['max-parts'] ?? '1000') || 1000, 1000);
  const after = (await ctx.uploads.parts(bucket, upload)).filter((p) => p.partNumber > marker);
  const page = after.slice(0, maxParts);
  const truncated = after.length > page.length;
  const parts = page.map((p) =>
    node(
      'Part',
      leaf('PartNumber', p.partNumber),
      leaf('LastModified', p.lastModified),
      leaf('ETag', `"${p.etag}"`),
      leaf('HashCrc64ecma', p.crc64),
      leaf('Size', p.size),
    ),
  );
  const next = page.at(-1)?.partNumber ?? marker;
  sendXml(
    ctx,
    200,
    node(
      'ListPartsResult',
      leaf('Bucket', bucket),
      leaf('Key', key),
      leaf('UploadId', upload.uploadId),
      leaf('StorageClass', 'Standard'),
      leaf('PartNumberMarker', marker),
      leaf('NextPartNumberMarker', next),
      leaf('MaxParts', maxParts),
      leaf('IsTruncated', truncated),
      ...parts,
    ),
  );
}

/** GET /?uploads [prefix, max-uploads] on a bucket. */
export async function listMultipartUploads(ctx: OssContext): Promise<void> {
  const { bucket } = ctx.target;
  const prefix = ctx.query.prefix ?? '';
  const maxUploads = Math.min(Number(ctx.query['max-uploads'] ?? '1000') || 1000, 1000);
  const all = (await ctx.uploads.list(bucket))
    .filter((u) => u.key.startsWith(prefix))
    .sort(
      (a, b) =>
        Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)) || a.initiated.localeCompare(b.initiated),
    );
  const page = all.slice(0, maxUploads);
  const uploads = page.map((u) =>
    node(
      'Upload',
      leaf('Key', u.key),
      leaf('UploadId', u.uploadId),
      leaf('StorageClass', 'Standard'),
      leaf('Initiated', u.initiated),
    ),
  );
  const last = page.at(-1);
  sendXml(
    ctx,
    200,
    node(
      'ListMultipartUploadsResult',
      leaf('Bucket', bucket),
      leaf('KeyMarker', ''),
      leaf('UploadIdMarker', ''),
      leaf('NextKeyMarker', last?.key ?? ''),
      leaf('NextUploadIdMarker', last?.uploadId ?? ''),
      leaf('Delimiter', ''),
      leaf('Prefix', prefix),
      leaf('MaxUploads', maxUploads),
      leaf('IsTruncated', all.length > page.length),
      ...uploads,
    ),
  );
}
