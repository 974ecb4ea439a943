import type { CatalogEntry } from '../../adapters/warehouse/catalog.js';
import { calendarOf } from '../../adapters/warehouse/catalog.js';
import { firstLoadedDay, spansSince } from '../../adapters/warehouse/load-history.js';
import { showSla } from '../../adapters/warehouse/sla-store.js';
import { type DayCell, dayStates, recentDays } from '../../core/api/coverage.js';
import { dayOutcome } from '../../core/sla.js';
import type { CalendarCache } from './dataset-summary.js';
import type { ApiDeps } from './deps.js';

/** Trading days a strip shows. */
export const STRIP_DAYS = 60;

export interface DayStrip {
  dataset: string;
  /** The calendar the days come from, or null (weekdays stand in). */
  calendar: string | null;
  today: string;
  cells: DayCell[];
}

/** The state of each of a dataset's last trading days up to today (status page, /v1/health). */
export async function dayStrip(
  deps: ApiDeps,
  entry: CatalogEntry,
  calendars: CalendarCache,
): Promise<DayStrip> {
  const today = todayIn(deps.config.apiTimezone, deps.now());
  const calendar = await calendarOf(deps.pool, entry.calendar);
  const days = recentDays(calendar === null ? null : await calendars.days(calendar), today, STRIP_DAYS);
  const spans = days.length === 0 ? [] : await spansSince(deps.pool, entry.dataset, days[0] as string);
  const since = await firstLoadedDay(deps.pool, entry.dataset);
  // Late is the SLA's word (the monitor's dayOutcome): a day not in is late once its due time has passed.
  const { effective } = await showSla(deps.pool, entry.dataset);
  const now = deps.now();
  const pastDue = (day: string) => dayOutcome(effective, day, false, now) !== 'pending';
  return { dataset: entry.dataset, calendar, today, cells: dayStates(days, spans, today, since, pastDue) };
}

/** The calendar day in a time zone (trading days are local days). */
export function todayIn(timeZone: string, now: Date): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}
