import type { Calendars } from './instrument-files.js';

export interface DateRange {
  start: string;
  end: string;
}

/**
 * How the committed calendar becomes the new one (docs/pull.md): `changedAt` is the first committed day that
 * is not where it was (a day removed or inserted: not an append), null when the new calendar starts with the
 * old. Committed days inside `restated` ranges, and every committed day from `changedAt` on, may hold other
 * values now.
 */
export function planCalendars(
  oldDays: readonly string[],
  newDays: readonly string[],
  restated: readonly DateRange[] | null,
): Calendars & { changedAt: string | null; fetch: DateRange[] } {
  let k = 0;
  while (k < oldDays.length && k < newDays.length && oldDays[k] === newDays[k]) k++;
  const appendOnly = k === oldDays.length;
  const newIndex = new Map(newDays.map((d, i) => [d, i]));
  const oldToNew = Int32Array.from(oldDays, (d) => newIndex.get(d) ?? -1);
  const windowOld = new Uint8Array(oldDays.length);
  oldDays.forEach((day, i) => {
    if (restated === null || i >= k || restated.some((r) => r.start <= day && day <= r.end)) windowOld[i] = 1;
  });
  const wanted = new Uint8Array(newDays.length);
  newDays.forEach((day, i) => {
    if (restated === null || i >= k || restated.some((r) => r.start <= day && day <= r.end)) wanted[i] = 1;
  });
  const changedAt = appendOnly ? null : (oldDays[k] ?? null);
  return { oldDays, newDays, oldToNew, windowOld, appendOnly, changedAt, fetch: runs(newDays, wanted) };
}

/** Consecutive wanted calendar days as date ranges (what one values read each fetches). */
function runs(days: readonly string[], wanted: Uint8Array): DateRange[] {
  const out: DateRange[] = [];
  let open: number | null = null;
  for (let i = 0; i <= days.length; i++) {
    if (i < days.length && wanted[i] === 1) {
      if (open === null) open = i;
    } else if (open !== null) {
      out.push({ start: days[open] as string, end: days[i - 1] as string });
      open = null;
    }
  }
  return out;
}
