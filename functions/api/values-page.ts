import type { CatalogEntry } from '../../adapters/warehouse/catalog.js';
import type { Membership } from '../../adapters/warehouse/markets.js';
import { loadedAfter, type Snapshot } from '../../adapters/warehouse/snapshots.js';
import {
  type Lower,
  nextDate,
  streamWindow,
  type ValuesSource,
} from '../../adapters/warehouse/values-pages.js';
import type { ValuesCursor } from '../../core/api/cursor.js';
import { addDays, minDay, spanForTradingDays } from '../../core/api/dates.js';
import { PageWriter } from '../../core/api/page-writer.js';
import type { ValuesRequest } from '../../core/api/values-request.js';
import type { ApiDeps } from './deps.js';
import { guardScan, instrumentScope, isMember, type Pinned, pin } from './values-scope.js';

/** Rows per page when the request sets no limit (the byte budget usually stops a page first). */
export const MAX_ROWS_PER_PAGE = 100_000;
/** Date windows one request may read: an answer with long empty stretches still ends in bounded work. */
const MAX_WINDOWS = 64;

export interface ValuesPage {
  writer: PageWriter;
  snapshot: Snapshot | null;
  completeThrough: string | null;
  next: ValuesCursor | null;
}

/**
 * One page of a values read (docs/api.md, "Paging"): pin (or take from the cursor) the snapshot, then read date
 * windows in (trade_date, instrument) order until the page's rows or bytes are used up or the range ends.
 */
export async function valuesPage(
  deps: ApiDeps,
  entry: CatalogEntry,
  req: ValuesRequest,
): Promise<ValuesPage> {
  const pinned = req.cursor ?? (await pin(deps, entry, req));
  const writer = new PageWriter(
    req.format,
    req.fields.map((f) => f.type),
    deps.config.apiPageBytes,
  );
  const page = { writer, snapshot: pinned.snapshot, completeThrough: pinned.completeThrough, next: null };
  if (pinned.snapshot === null) return page;
  const scope = await instrumentScope(deps, req);
  if (scope !== null && scope.instruments.length === 0) return page;
  const source: ValuesSource = {
    dataset: req.dataset,
    columns: req.fields.map((f) => f.name),
    instruments: scope?.instruments ?? null,
    excluded: await loadedAfter(deps.pool, req.dataset, pinned.snapshot),
  };
  const perDay = scope?.instruments.length ?? pinned.perDay;
  const start: Lower =
    req.cursor === null
      ? await firstPosition(deps, source, req, pinned, perDay)
      : { kind: 'after', ...req.cursor.after };
  const end = await readWindows(deps, source, start, req, writer, perDay, scope?.membership);
  if (end === 'done') return page;
  const after =
    end.kind === 'after'
      ? { date: end.date, instrument: end.instrument }
      : { date: addDays(end.date, -1), instrument: null };
  return { ...page, next: { query: req.key, ...pinned, after, perDay: pinned.perDay } };
}

/**
 * Where a first page starts: at `start`, or the snapshot's first loaded day when that is later (so a read without
 * `start` does not walk windows from year 1). A windowed read (filtered, or as of an older snapshot) must pass
 * the scan guard with its first window.
 */
async function firstPosition(
  deps: ApiDeps,
  source: ValuesSource,
  req: ValuesRequest,
  pinned: Pinned,
  perDay: number,
): Promise<Lower> {
  const first = pinned.firstDay !== undefined && pinned.firstDay !== null && pinned.firstDay > req.start;
  const from: Lower = { kind: 'from', date: first ? (pinned.firstDay as string) : req.start };
  if (source.instruments === null && source.excluded.length === 0) return from;
  const rows = Math.min(req.limit ?? MAX_ROWS_PER_PAGE, Math.ceil(deps.config.apiPageBytes / rowBytes(req)));
  await guardScan(deps, source, from, windowEnd(source, from, req, perDay, rows));
  return from;
}

/** Read windows into the writer; where the next page resumes, or 'done'. */
async function readWindows(
  deps: ApiDeps,
  source: ValuesSource,
  start: Lower,
  req: ValuesRequest,
  writer: PageWriter,
  perDay: number,
  membership: Map<string, Membership[]> | undefined,
): Promise<Lower | 'done'> {
  const wanted = req.limit ?? MAX_ROWS_PER_PAGE;
  const perRow = rowBytes(req);
  let lower = start;
  for (let windows = 0; windows < MAX_WINDOWS && writer.rows < wanted && writer.hasRoom; windows++) {
    const remaining = wanted - writer.rows;
    const fitting = Math.ceil((writer.budget - writer.bytes) / perRow) + 1;
    const limit = Math.min(remaining, fitting);
    const upper = windowEnd(source, lower, req, perDay, remaining);
    let full = false;
    const count = await streamWindow(deps.pool, source, lower, upper, limit, (row) => {
      if (full) return; // a row past the byte budget: read and dropped, the next page starts at it
      if (membership !== undefined && !isMember(membership, row)) lower = afterRow(row);
      else if (writer.write(row)) lower = afterRow(row);
      else full = true;
    });
    if (full) return lower;
    if (count === limit) continue;
    // The window is exhausted: on to the next, skipping an empty stretch at once.
    if (upper >= req.end) return 'done';
    lower = { kind: 'after', date: upper, instrument: null };
    if (count === 0) {
      const next = await nextDate(deps.pool, source, lower, req.end);
      if (next === null) return 'done';
      lower = { kind: 'from', date: next };
    }
  }
  return lower;
}

/**
 * The date window for the next read. All instruments of the table as it is: one window to the end (the
 * clustered key is read in order and LIMIT stops it). Filtered or as of an older snapshot: as many trading days
 * as the rows still wanted need, so every read is bounded by the page whichever index MySQL picks.
 */
function windowEnd(
  source: ValuesSource,
  lower: Lower,
  req: ValuesRequest,
  perDay: number,
  rows: number,
): string {
  if (source.instruments === null && source.excluded.length === 0) return req.end;
  const span = spanForTradingDays(Math.ceil(rows / Math.max(1, perDay)));
  return minDay(addDays(lower.date, span), req.end);
}

/** Typical bytes of an answer row (a float32 is about 10 characters): sizes reads to the byte budget. */
function rowBytes(req: ValuesRequest): number {
  return 32 + req.fields.length * 12;
}

function afterRow(row: readonly unknown[]): Lower {
  return { kind: 'after', date: String(row[0]), instrument: String(row[1]) };
}
