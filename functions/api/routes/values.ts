import type { Context, Hono } from 'hono';
import { encodeCursor } from '../../../core/api/cursor.js';
import { isoInstant } from '../../../core/api/params.js';
import { readValuesRequest, type ValuesRequest } from '../../../core/api/values-request.js';
import { requireScope } from '../auth.js';
import type { ApiEnv } from '../deps.js';
import { TextBodyResponse } from '../fc-http.js';
import { badParameters } from '../http-error.js';
import { MAX_ROWS_PER_PAGE, type ValuesPage, valuesPage } from '../values-page.js';
import { factorDataset } from './lookup.js';

/**
 * GET /v1/datasets/{dataset}/values (docs/api.md): one page of factor values, compact columnar JSON
 * (`{fields, rows}`) or CSV, with the snapshot it reads (ETag), how far the data is complete
 * (X-Complete-Through) and where the next page starts (`next`, X-Next-Cursor, Link rel="next").
 */
export function valuesRoutes(app: Hono<ApiEnv>): void {
  app.get('/v1/datasets/:dataset/values', requireScope('read:data'), async (c) => {
    const entry = await factorDataset(c.env, c.req.param('dataset'));
    const limits = { maxInstruments: c.env.config.apiMaxInstruments, maxRowsPerPage: MAX_ROWS_PER_PAGE };
    const read = readValuesRequest(entry.dataset, entry.columns, c.req.query(), limits);
    if (!read.ok) throw badParameters(read.problems);
    const page = await valuesPage(c.env, entry, read.value);
    const etag = `"${page.snapshot?.batchId ?? 'empty'}"`;
    const headers = pageHeaders(c, read.value, page, etag);
    // A poller asking "anything new?" with the first page's ETag gets 304 while the snapshot stands.
    if (read.value.cursor === null && c.req.header('if-none-match') === etag)
      return c.body(null, 304, headers);
    const body = read.value.format === 'csv' ? csvBody(read.value, page) : jsonBody(read.value, page);
    // Every byte of a page is ASCII (dates, instrument codes, numbers, names, the cursor): latin1 is a
    // one-byte string without a decode.
    return new TextBodyResponse(body.toString('latin1'), { status: 200, headers });
  });
}

function pageHeaders(
  c: Context<ApiEnv>,
  req: ValuesRequest,
  page: ValuesPage,
  etag: string,
): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': req.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
    etag,
    'cache-control': 'private, no-cache',
    'x-row-count': String(page.writer.rows),
  };
  if (page.completeThrough !== null) headers['x-complete-through'] = page.completeThrough;
  if (page.snapshot !== null) headers['x-snapshot-loaded-at'] = isoInstant(page.snapshot.loadedAt) as string;
  if (page.next !== null) {
    const cursor = encodeCursor(page.next);
    const url = new URL(c.req.url);
    url.searchParams.set('cursor', cursor);
    headers['x-next-cursor'] = cursor;
    headers.link = `<${url.pathname}${url.search}>; rel="next"`;
  }
  return headers;
}

function jsonBody(req: ValuesRequest, page: ValuesPage): Buffer {
  const head = {
    dataset: req.dataset,
    fields: req.fields.map((f) => f.name),
    snapshot:
      page.snapshot === null
        ? null
        : { batchId: page.snapshot.batchId, loadedAt: isoInstant(page.snapshot.loadedAt) },
    asOf: isoInstant(req.asOf),
    completeThrough: page.completeThrough,
  };
  const next = page.next === null ? null : encodeCursor(page.next);
  const open = `${JSON.stringify(head).slice(0, -1)},"rows":[`;
  const close = `],"rowCount":${page.writer.rows},"next":${JSON.stringify(next)}}`;
  return page.writer.frame(open, close);
}

/** Every page is a whole CSV file: the header, then its rows (NULL is an empty field). */
function csvBody(req: ValuesRequest, page: ValuesPage): Buffer {
  const header = `${['datetime', 'instrument', ...req.fields.map((f) => f.name)].join(',')}\n`;
  return page.writer.frame(header, '');
}
