import type { Pool } from 'mysql2/promise';
import {
  calendarWindow,
  type LoadedBatch,
  lastLoadedDay,
  loadedCovering,
} from '../../adapters/warehouse/monitor-facts.js';
import type { WatchedDataset } from '../../adapters/warehouse/sla-store.js';
import { type DayOutcome, dayOutcome, deadlines, dueDays, todayIn } from '../../core/sla.js';
import { addDays } from '../../core/zoned-time.js';
import { RUN_LIMITS } from './deps.js';

/** Calendar days fetched per frequency: enough for LOOKBACK due days and the next day of the last period. */
const WINDOW_DAYS = { day: 30, week: 80, month: 240 } as const;

/** One due trading day judged against its SLA. */
export interface DayJudgment {
  day: string;
  outcome: DayOutcome;
  due: Date;
  warn: Date;
  error: Date;
  /** the loaded batch that covers it */
  batch: LoadedBatch | undefined;
}

/**
 * The calendar a dataset's SLA is judged by: the SLA's own, else the registry's, else the only one loaded
 * (undefined: none can be chosen, the monitor's `calendar` finding).
 */
export function calendarFor(watched: WatchedDataset, loaded: readonly string[]): string | undefined {
  return watched.sla.calendar ?? watched.registryCalendar ?? (loaded.length === 1 ? loaded[0] : undefined);
}

/**
 * Freshness of one dataset at `now` (docs/monitor.md): its last RUN_LIMITS.lookbackDays due trading days (and
 * `alsoDays`, e.g. days with an open incident), each ok once a loaded batch covers it, else pending, late, warn
 * or error by the SLA's times. The monitor's freshness check records and alerts on these; the HTTP API shows
 * them as the dataset's SLA state. One computation, so the two never disagree.
 */
export async function judgeFreshness(
  pool: Pool,
  watched: WatchedDataset,
  calendar: string,
  now: Date,
  alsoDays: readonly string[] = [],
): Promise<{ lastLoaded: string | null; days: DayJudgment[] }> {
  const { sla } = watched;
  const today = todayIn(sla, now);
  const window = await calendarWindow(
    pool,
    calendar,
    addDays(today, -WINDOW_DAYS[sla.frequency]),
    addDays(today, 40),
  );
  const due = [
    ...new Set([...dueDays(window, sla.frequency, today).slice(-RUN_LIMITS.lookbackDays), ...alsoDays]),
  ].sort();
  const lastLoaded = await lastLoadedDay(pool, sla.dataset);
  if (due.length === 0) return { lastLoaded, days: [] };
  const covering = await loadedCovering(pool, sla.dataset, due[0] as string, due.at(-1) as string);
  const days = due.map((day): DayJudgment => {
    const batch = covering.find((b) => b.start <= day && day <= b.end);
    return { day, outcome: dayOutcome(sla, day, batch !== undefined, now), ...deadlines(sla, day), batch };
  });
  return { lastLoaded, days };
}
