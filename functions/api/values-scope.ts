import { type CatalogEntry, calendarDays, calendarOf } from '../../adapters/warehouse/catalog.js';
import { type Membership, marketMembers } from '../../adapters/warehouse/markets.js';
import {
  latestSnapshot,
  loadedRanges,
  rowsPerDay,
  type Snapshot,
} from '../../adapters/warehouse/snapshots.js';
import { estimateWindow, type Lower, type ValuesSource } from '../../adapters/warehouse/values-pages.js';
import { completeThrough } from '../../core/api/coverage.js';
import type { ValuesRequest } from '../../core/api/values-request.js';
import type { ApiDeps } from './deps.js';
import { HttpError } from './http-error.js';

/**
 * What a values read covers (docs/api.md, "Snapshots and as_of", "Limits"): the snapshot its first page pins,
 * the instruments it reads, and whether its plan may run at all.
 */

/** What the first page pinned: carried by the cursor to every later page. */
export interface Pinned {
  snapshot: Snapshot | null;
  completeThrough: string | null;
  perDay: number;
  /** First page only: the first day a batch of the snapshot covers (no row is older). */
  firstDay?: string | null;
}

/** First page: the snapshot (latest loaded batch, or the latest at as_of), how complete it is, rows per day. */
export async function pin(deps: ApiDeps, entry: CatalogEntry, req: ValuesRequest): Promise<Pinned> {
  const snapshot = await latestSnapshot(deps.pool, req.dataset, req.asOf);
  if (snapshot === null) return { snapshot, completeThrough: null, perDay: 1 };
  const calendar = await calendarOf(deps.pool, entry.calendar);
  const days = calendar === null ? null : await calendarDays(deps.pool, calendar);
  const ranges = await loadedRanges(deps.pool, req.dataset, snapshot);
  const firstDay = ranges.reduce<string | null>(
    (min, r) => (min === null || r.start < min ? r.start : min),
    null,
  );
  return {
    snapshot,
    completeThrough: completeThrough(days, ranges),
    perDay: await rowsPerDay(deps.pool, snapshot),
    firstDay,
  };
}

/** An explicit list, a market's members over the range (with their spans), or null for every instrument. */
export async function instrumentScope(
  deps: ApiDeps,
  req: ValuesRequest,
): Promise<{ instruments: string[]; membership?: Map<string, Membership[]> } | null> {
  if (req.instruments !== null) return { instruments: req.instruments };
  if (req.market === null) return null;
  const members = await marketMembers(deps.pool, req.market, req.start, req.end);
  const membership = new Map<string, Membership[]>();
  for (const m of members) membership.set(m.instrument, [...(membership.get(m.instrument) ?? []), m]);
  return { instruments: [...membership.keys()], membership };
}

export function isMember(membership: Map<string, Membership[]>, row: readonly unknown[]): boolean {
  const date = String(row[0]);
  return (membership.get(String(row[1])) ?? []).some((m) => m.start <= date && date <= m.end);
}

/** Refuse a read whose plan would examine far more rows than a page holds (docs/api.md, "Limits"). */
export async function guardScan(
  deps: ApiDeps,
  source: ValuesSource,
  lower: Lower,
  upper: string,
): Promise<void> {
  const rows = await estimateWindow(deps.pool, source, lower, upper);
  if (rows <= deps.config.apiMaxScanRows) return;
  throw new HttpError(
    400,
    'SCAN_TOO_LARGE',
    `this read would examine about ${rows} rows per page (limit ${deps.config.apiMaxScanRows})`,
    {
      hint:
        'narrow it: a shorter start..end, fewer instruments, or market=; if one instrument over years is slow, the ' +
        "table may lack its (instrument, trade_date) index: run `npm run migrate` (docs/api.md, 'Indexes')",
    },
  );
}
