import { readSmallBody } from './body.js';
import { type OssContext, sendEmpty, sendXml } from './context.js';
import { listPage, parseMaxKeys } from './listing.js';
import { ossError } from './oss-error.js';
import type { BucketRecord, ObjectMeta } from './store.js';
import { leaf, node } from './xml.js';

/** PUT / on a bucket host: create it (idempotent for its owner, as on OSS). */
export async function putBucket(ctx: OssContext): Promise<void> {
  await readSmallBody(ctx.req);
  await ctx.store.createBucket(ctx.target.bucket);
  sendEmpty(ctx, 200, { Location: `/${ctx.target.bucket}` });
}

export async function deleteBucket(ctx: OssContext): Promise<void> {
  await ctx.store.deleteBucket(ctx.target.bucket);
  sendEmpty(ctx, 204);
}

/** GET /?bucketInfo */
export async function getBucketInfo(ctx: OssContext): Promise<void> {
  const record = await ctx.store.getBucket(ctx.target.bucket);
  const bucket = node(
    'Bucket',
    leaf('AccessMonitor', 'Disabled'),
    leaf('CreationDate', record.creationDate),
    leaf('CrossRegionReplication', 'Disabled'),
    leaf('DataRedundancyType', 'LRS'),
    ...endpoints(ctx),
    leaf('Name', record.name),
    leaf('StorageClass', 'Standard'),
    leaf('TransferAcceleration', 'Disabled'),
    owner(ctx),
    node('AccessControlList', leaf('Grant', 'private')),
    node('ServerSideEncryptionRule', leaf('SSEAlgorithm', 'None')),
  );
  sendXml(ctx, 200, node('BucketInfo', bucket));
}

/** GET /?location */
export async function getBucketLocation(ctx: OssContext): Promise<void> {
  await ctx.store.getBucket(ctx.target.bucket);
  sendXml(ctx, 200, leaf('LocationConstraint', `oss-${ctx.region}`));
}

/** GET / on the service host. */
export async function listBuckets(ctx: OssContext): Promise<void> {
  const entry = (b: BucketRecord) =>
    node(
      'Bucket',
      leaf('CreationDate', b.creationDate),
      ...endpoints(ctx),
      leaf('Name', b.name),
      leaf('Region', ctx.region),
      leaf('StorageClass', 'Standard'),
    );
  const buckets = (await ctx.store.listBuckets()).map(entry);
  sendXml(ctx, 200, node('ListAllMyBucketsResult', owner(ctx), node('Buckets', ...buckets)));
}

/** GET / on a bucket: ListObjects, or ListObjectsV2 with `list-type=2`. */
export async function listObjects(ctx: OssContext): Promise<void> {
  const { bucket } = ctx.target;
  await ctx.store.getBucket(bucket);
  const q = ctx.query;
  const v2 = q['list-type'] === '2';
  const maxKeys = parseMaxKeys(q['max-keys']);
  if (maxKeys === undefined)
    throw ossError('InvalidArgument', { ArgumentName: 'max-keys', ArgumentValue: q['max-keys'] ?? '' });
  const token = q['continuation-token'];
  const after = v2 ? (token !== undefined ? decodeToken(token) : (q['start-after'] ?? '')) : (q.marker ?? '');
  const prefix = q.prefix ?? '';
  const delimiter = q.delimiter ?? '';
  const page = listPage(await ctx.store.listKeys(bucket), { prefix, delimiter, after, maxKeys });
  const metas = (await Promise.all(page.keys.map((k) => ctx.store.readMeta(bucket, k)))).filter(
    (m): m is ObjectMeta => m !== undefined,
  );
  const enc = q['encoding-type'] === 'url' ? (s: string) => encodeURIComponent(s) : (s: string) => s;
  const withOwner = !v2 || q['fetch-owner'] === 'true';
  const contents = metas.map((m) => contentsEntry(ctx, m, enc, withOwner));
  const prefixes = page.prefixes.map((p) => node('CommonPrefixes', leaf('Prefix', enc(p))));
  const head = [leaf('Name', bucket), leaf('Prefix', enc(prefix))];
  if (v2) {
    if (token !== undefined) head.push(leaf('ContinuationToken', token));
    else if (q['start-after'] !== undefined) head.push(leaf('StartAfter', enc(after)));
  } else {
    head.push(leaf('Marker', enc(after)));
  }
  head.push(leaf('MaxKeys', maxKeys), leaf('Delimiter', enc(delimiter)));
  if (q['encoding-type'] === 'url') head.push(leaf('EncodingType', 'url'));
  head.push(leaf('IsTruncated', page.truncated));
  if (page.truncated && page.last !== undefined) {
    head.push(
      v2 ? leaf('NextContinuationToken', encodeToken(page.last)) : leaf('NextMarker', enc(page.last)),
    );
  }
  if (v2) head.push(leaf('KeyCount', contents.length + prefixes.length));
  sendXml(ctx, 200, node('ListBucketResult', ...head, ...contents, ...prefixes));
}

function contentsEntry(
  ctx: OssContext,
  m: ObjectMeta,
  enc: (s: string) => string,
  withOwner: boolean,
): string {
  const fields = [
    leaf('Key', enc(m.key)),
    leaf('LastModified', m.lastModified),
    leaf('ETag', `"${m.etag}"`),
    leaf('Type', m.type),
    leaf('Size', m.size),
    leaf('StorageClass', 'Standard'),
  ];
  if (withOwner) fields.push(owner(ctx));
  return node('Contents', ...fields);
}

/** The continuation token is opaque to clients; here it is the last returned entry, base64url. */
function encodeToken(last: string): string {
  return Buffer.from(last).toString('base64url');
}

function decodeToken(token: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(token))
    throw ossError('InvalidArgument', { ArgumentName: 'continuation-token', ArgumentValue: token });
  return Buffer.from(token, 'base64url').toString('utf8');
}

function owner(ctx: OssContext): string {
  return node('Owner', leaf('ID', ctx.accountId), leaf('DisplayName', ctx.accountId));
}

function endpoints(ctx: OssContext): string[] {
  return [
    leaf('ExtranetEndpoint', `oss-${ctx.region}.aliyuncs.com`),
    leaf('IntranetEndpoint', `oss-${ctx.region}-internal.aliyuncs.com`),
    leaf('Location', `oss-${ctx.region}`),
  ];
}
