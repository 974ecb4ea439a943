import type { Example, FindingLog } from './findings.js';

/**
 * A row may be dated at most this many days after the batch was made. One day covers every time zone: a
 * batch made at 23:00 UTC+14 on 2026-01-02 is 2026-01-02 09:00 UTC, and so is its data's local date.
 */
export const FUTURE_TOLERANCE_DAYS = 1;

/**
 * The last date a row may carry: the batch's creation day (its manifest's createdAt), never later than the
 * checker's own day (a producer cannot move the horizon with its clock or its manifest), plus the tolerance.
 * Undefined when neither day is known.
 */
export function futureHorizon(createdAt: string | undefined, today: string | undefined): string | undefined {
  const days = [createdAt?.slice(0, 10), today?.slice(0, 10)].filter(
    (d): d is string => d !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(d),
  );
  if (days.length === 0) return undefined;
  const base = days.sort()[0] as string;
  const horizon = new Date(`${base}T00:00:00Z`);
  horizon.setUTCDate(horizon.getUTCDate() + FUTURE_TOLERANCE_DAYS);
  return horizon.toISOString().slice(0, 10);
}

/**
 * The days of `range` that must have rows: a batch is the full cross-section of its range and replaces it,
 * so a day without rows would silently delete what the table holds for it.
 * - the trading days of the calendar inside the range (the calendar as the rules see it: `has` is true for a
 *   day it does not know to be off-calendar, so iterating it gives its real days);
 * - the range's first and last day unless the calendar knows they do not trade (a range wider than its rows
 *   is caught even with no calendar at all);
 * - `live`: the days the table holds in the range now (given by the loader, inside its transaction).
 */
export function requiredDays(
  range: { start: string; end: string },
  calendar: ReadonlySet<string> | undefined,
  live: Iterable<string>,
): Map<string, string> {
  const why = new Map<string, string>();
  if (calendar !== undefined) {
    for (const day of calendar) {
      if (day >= range.start && day <= range.end) why.set(day, 'a trading day of the calendar');
    }
  }
  for (const end of [range.start, range.end]) {
    if (!why.has(end) && (calendar === undefined || calendar.has(end))) {
      why.set(end, end === range.start ? "the manifest's first day" : "the manifest's last day");
    }
  }
  for (const day of live) {
    if (day >= range.start && day <= range.end) why.set(day, 'the table holds rows for it now');
  }
  return why;
}

/** The required days no row covers, ascending, each with why it was required. */
export function missingDays(required: Map<string, string>, seen: ReadonlySet<string>): Example[] {
  return [...required.entries()]
    .filter(([day]) => !seen.has(day))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([date, why]) => ({ date, detail: `no rows; ${why}` }));
}

/** DATE_MISSING: one finding per required day of the range that no row covers. */
export function checkMissingDays(
  log: FindingLog,
  range: { start: string; end: string },
  calendar: ReadonlySet<string> | undefined,
  live: Iterable<string>,
  seen: ReadonlySet<string>,
): void {
  const message =
    "days of the manifest's date range without rows: the batch replaces its whole range, so these days would be deleted";
  for (const example of missingDays(requiredDays(range, calendar, live), seen)) {
    log.add('DATE_MISSING', 'block', message, example);
  }
}
