import { type CatalogEntry, calendarDays, calendarOf } from '../../adapters/warehouse/catalog.js';
import { type BatchView, listBatches } from '../../adapters/warehouse/load-history.js';
import { loadedRanges } from '../../adapters/warehouse/snapshots.js';
import { completeThrough, mergeRanges } from '../../core/api/coverage.js';
import { isoInstant } from '../../core/api/params.js';
import { parsePolicy } from '../../core/quality/policy.js';
import type { ApiDeps } from './deps.js';
import type { SlaStateView } from './sla-states.js';

/**
 * A dataset as GET /v1/datasets shows it: the registry entry, what the ledger says about its dates (coverage,
 * complete-through day), its last batch and last load. Sections other concerns add to (the monitor's SLA state)
 * go beside these.
 */
export async function datasetSummary(
  deps: ApiDeps,
  entry: CatalogEntry,
  calendars: CalendarCache,
  sla: SlaStateView | null = null,
) {
  const ranges = await loadedRanges(deps.pool, entry.dataset, null);
  const merged = mergeRanges(ranges);
  const calendar = await calendarOf(deps.pool, entry.calendar);
  const days = calendar === null ? null : await calendars.days(calendar);
  const [last] = await listBatches(deps.pool, { dataset: entry.dataset, limit: 1 });
  const [lastLoaded] = await listBatches(deps.pool, { dataset: entry.dataset, status: 'loaded', limit: 1 });
  return {
    dataset: entry.dataset,
    kind: entry.kind,
    contract: entry.contract,
    calendar: { configured: entry.calendar, used: calendar },
    retiredAt: isoInstant(entry.retiredAt),
    rules: effectiveRules(entry),
    columns: entry.columns,
    coverage:
      merged.length === 0
        ? null
        : { first: merged[0]?.start, last: merged.at(-1)?.end, ranges: merged.length },
    completeThrough: completeThrough(days, ranges),
    lastBatch: last === undefined ? null : batchBrief(last),
    lastLoaded: lastLoaded === undefined ? null : batchBrief(lastLoaded),
    sla,
    createdAt: isoInstant(entry.createdAt),
    updatedAt: isoInstant(entry.updatedAt),
  };
}

/** Calendars read once per request, however many datasets share one. */
export class CalendarCache {
  private readonly cache = new Map<string, Promise<string[]>>();
  constructor(private readonly deps: ApiDeps) {}
  days(calendar: string): Promise<string[]> {
    let days = this.cache.get(calendar);
    if (days === undefined) {
      days = calendarDays(this.deps.pool, calendar);
      this.cache.set(calendar, days);
    }
    return days;
  }
}

/** The batch in brief, for lists. */
export function batchBrief(b: BatchView) {
  return {
    batchId: b.batchId,
    status: b.status,
    dateStart: b.dateStart,
    dateEnd: b.dateEnd,
    rows: b.rowsLoaded ?? b.rowCount,
    errorCode: b.errorCode,
    firstSeenAt: isoInstant(b.firstSeenAt),
    finishedAt: isoInstant(b.finishedAt),
    durationMs: b.durationMs,
  };
}

/** The thresholds ingest applies: the stored rules over the defaults (or the stored text when it is invalid). */
function effectiveRules(entry: CatalogEntry): { stored: unknown; effective: unknown; error?: string } {
  const stored = entry.rules === null ? null : safeJson(entry.rules);
  try {
    return { stored, effective: parsePolicy(entry.rules) };
  } catch (error) {
    return { stored, effective: null, error: (error as Error).message };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
