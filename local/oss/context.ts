import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Target } from './address.js';
import { header, type OssCredential } from './credentials.js';
import type { MultipartStore } from './multipart-store.js';
import type { ObjectCreated } from './notify.js';
import { OssError } from './oss-error.js';
import type { OssStall } from './stall.js';
import type { ObjectMeta, ObjectStore } from './store.js';
import { leaf, node, xmlDocument } from './xml.js';

/** Everything a handler needs for one request. */
export interface OssContext {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  target: Target;
  query: Record<string, string>;
  store: ObjectStore;
  uploads: MultipartStore;
  region: string;
  accountId: string;
  /** The keys the server accepts; PostObject checks its form signature against them itself. */
  credentials: readonly OssCredential[];
  /** Test hook (server intercept): GetObject holds the body after some bytes until released. */
  stall?: OssStall;
  /** Queue an ObjectCreated event; it is delivered after the response is written. */
  created(eventName: ObjectCreated['eventName'], meta: ObjectMeta, previous: ObjectMeta | undefined): void;
}

export function requestHeader(ctx: OssContext, name: string): string | undefined {
  return header(ctx.req.headers, name);
}

export function isTrue(value: string | undefined): boolean {
  return value?.toLowerCase() === 'true';
}

/** The host OSS would report: `<bucket>.oss-<region>.aliyuncs.com`. */
export function hostId(ctx: OssContext): string {
  const service = `oss-${ctx.region}.aliyuncs.com`;
  return ctx.target.bucket === '' ? service : `${ctx.target.bucket}.${service}`;
}

export function sendXml(
  ctx: OssContext,
  status: number,
  root: string,
  headers: Record<string, string> = {},
): void {
  const body = Buffer.from(xmlDocument(root));
  ctx.res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/xml',
    'Content-Length': String(body.length),
  });
  ctx.res.end(body);
}

export function sendEmpty(
  ctx: OssContext,
  status: number,
  headers: Record<string, string | number> = {},
): void {
  ctx.res.writeHead(status, { 'Content-Length': '0', ...headers });
  ctx.res.end();
}

/**
 * The OSS `<Error>` document. A HEAD response cannot carry it, so like OSS it goes base64-encoded in
 * `x-oss-err` (ali-oss decodes that header; for a bare 404 it reports NoSuchKey).
 */
export function sendError(ctx: OssContext, error: OssError): void {
  const details = Object.entries(error.details).map(([name, value]) => leaf(name, value));
  const ec = error.ec === undefined ? [] : [leaf('EC', error.ec)];
  const root = node(
    'Error',
    leaf('Code', error.code),
    leaf('Message', error.message),
    leaf('RequestId', ctx.requestId),
    leaf('HostId', hostId(ctx)),
    ...details,
    ...ec,
  );
  const headers: Record<string, string> = error.ec === undefined ? {} : { 'x-oss-ec': error.ec };
  if (ctx.req.method === 'HEAD') {
    headers['x-oss-err'] = Buffer.from(xmlDocument(root)).toString('base64');
    sendEmpty(ctx, error.status, headers);
    return;
  }
  sendXml(ctx, error.status, root, headers);
}

export function quotedEtag(meta: ObjectMeta): string {
  return `"${meta.etag}"`;
}

export function httpDate(iso: string): string {
  return new Date(iso).toUTCString();
}

/** The headers GetObject and HeadObject answer with (besides Content-Length / Content-Range). */
export function objectHeaders(meta: ObjectMeta): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': meta.contentType,
    ETag: quotedEtag(meta),
    'Last-Modified': httpDate(meta.lastModified),
    'Accept-Ranges': 'bytes',
    'x-oss-object-type': meta.type,
    'x-oss-storage-class': 'Standard',
    'x-oss-hash-crc64ecma': meta.crc64,
    ...meta.headers,
    ...meta.userMeta,
  };
  const tagCount = Object.keys(meta.tags).length;
  if (tagCount > 0) headers['x-oss-tagging-count'] = String(tagCount);
  return headers;
}

/** Headers a write keeps with the object (PutObject, InitiateMultipartUpload, CopyObject REPLACE). */
export function storedHeaders(ctx: OssContext): StoredFields {
  const named = Object.keys(ctx.req.headers).map((name) => [name, requestHeader(ctx, name) ?? ''] as const);
  return storedFields(named, requestHeader(ctx, 'content-type'));
}

export type StoredFields = Pick<ObjectMeta, 'contentType' | 'userMeta' | 'headers'>;

/** What a write keeps from its (lower-case) header or form-field names: user meta and standard headers. */
export function storedFields(
  named: Iterable<readonly [string, string]>,
  contentType: string | undefined,
): StoredFields {
  const userMeta: Record<string, string> = {};
  const headers: Record<string, string> = {};
  for (const [name, value] of named) {
    if (name.startsWith('x-oss-meta-')) userMeta[name] = value;
    else if (STORED.has(name)) headers[name] = value;
  }
  return { contentType: contentType || 'application/octet-stream', userMeta, headers };
}

const STORED = new Set([
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'expires',
]);

/** Tags from the `x-oss-tagging: k1=v1&k2=v2` header of a write. */
export function taggingHeader(ctx: OssContext): Record<string, string> {
  return parseTagging(requestHeader(ctx, 'x-oss-tagging'));
}

/** `k1=v1&k2=v2`, as the x-oss-tagging header and PostObject field spell tags. */
export function parseTagging(raw: string | undefined): Record<string, string> {
  return raw === undefined ? {} : Object.fromEntries(new URLSearchParams(raw));
}

export function asOssError(error: unknown): OssError | undefined {
  return error instanceof OssError ? error : undefined;
}
