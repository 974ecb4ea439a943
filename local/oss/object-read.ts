import { pipeline } from 'node:stream/promises';
import {
  httpDate,
  type OssContext,
  objectHeaders,
  quotedEtag,
  requestHeader,
  sendEmpty,
  sendError,
} from './context.js';
import { ossError } from './oss-error.js';
import { parseRange } from './range.js';
import { stallAfter } from './stall.js';
import type { ObjectMeta } from './store.js';

/** `response-*` query parameters override these response headers on GetObject. */
const RESPONSE_OVERRIDES: Record<string, string> = {
  'response-content-type': 'Content-Type',
  'response-content-language': 'Content-Language',
  'response-expires': 'Expires',
  'response-cache-control': 'Cache-Control',
  'response-content-disposition': 'Content-Disposition',
  'response-content-encoding': 'Content-Encoding',
};

export async function getObject(ctx: OssContext): Promise<void> {
  const { meta, file } = await ctx.store.openObject(ctx.target.bucket, ctx.target.key);
  try {
    if (answeredByConditions(ctx, meta)) return;
    const headers = objectHeaders(meta);
    for (const [param, name] of Object.entries(RESPONSE_OVERRIDES)) {
      const value = ctx.query[param];
      if (value !== undefined) headers[name] = value;
    }
    const range = parseRange(requestHeader(ctx, 'range'), meta.size);
    if (range === 'unsatisfiable') {
      sendError(
        ctx,
        ossError('InvalidRange', {
          RangeRequested: requestHeader(ctx, 'range') ?? '',
          ActualObjectSize: String(meta.size),
        }),
      );
      return;
    }
    const { start, end } = range ?? { start: 0, end: meta.size - 1 };
    const length = Math.max(0, end - start + 1);
    const status = range ? 206 : 200;
    if (range) headers['Content-Range'] = `bytes ${start}-${end}/${meta.size}`;
    ctx.res.writeHead(status, { ...headers, 'Content-Length': String(length) });
    if (length === 0) {
      ctx.res.end();
      return;
    }
    const body = file.createReadStream({ start, end, autoClose: false });
    if (ctx.stall === undefined) await pipeline(body, ctx.res);
    else await pipeline(body, stallAfter(ctx.stall), ctx.res);
  } finally {
    await file.close();
  }
}

/** HeadObject, or GetObjectMeta with `?objectMeta` (only the basic headers). */
export async function headObject(ctx: OssContext): Promise<void> {
  const meta = await ctx.store.readMeta(ctx.target.bucket, ctx.target.key);
  if (!meta) throw ossError('NoSuchKey', { Key: ctx.target.key });
  if (ctx.query.objectMeta !== undefined) {
    sendEmpty(ctx, 200, {
      ETag: quotedEtag(meta),
      'Content-Length': meta.size,
      'Last-Modified': httpDate(meta.lastModified),
      'x-oss-hash-crc64ecma': meta.crc64,
    });
    return;
  }
  if (answeredByConditions(ctx, meta)) return;
  sendEmpty(ctx, 200, { ...objectHeaders(meta), 'Content-Length': meta.size });
}

/**
 * If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since, in the order HTTP evaluates them.
 * Sends 304 or 412 and returns true when a condition decides the answer.
 */
function answeredByConditions(ctx: OssContext, meta: ObjectMeta): boolean {
  const etag = meta.etag.toUpperCase();
  const matches = (list: string) => list.split(',').some((t) => t.trim() === '*' || unquote(t) === etag);
  const modified = Math.floor(Date.parse(meta.lastModified) / 1000);
  const ifMatch = requestHeader(ctx, 'if-match');
  const ifUnmodified = requestHeader(ctx, 'if-unmodified-since');
  const ifNoneMatch = requestHeader(ctx, 'if-none-match');
  const ifModified = requestHeader(ctx, 'if-modified-since');
  const since = (value: string) => Math.floor(Date.parse(value) / 1000);
  if (
    (ifMatch !== undefined && !matches(ifMatch)) ||
    (ifUnmodified !== undefined && modified > since(ifUnmodified))
  ) {
    sendError(
      ctx,
      ossError('PreconditionFailed', {
        Condition: ifMatch !== undefined ? 'If-Match' : 'If-Unmodified-Since',
      }),
    );
    return true;
  }
  if (
    (ifNoneMatch !== undefined && matches(ifNoneMatch)) ||
    (ifModified !== undefined && modified <= since(ifModified))
  ) {
    sendEmpty(ctx, 304, { ETag: quotedEtag(meta), 'Last-Modified': httpDate(meta.lastModified) });
    return true;
  }
  return false;
}

export function unquote(etag: string): string {
  return etag.trim().replace(/^W\//, '').replace(/^"|"$/g, '').toUpperCase();
}
