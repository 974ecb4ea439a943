/**
 * What the ledger says about a dataset's trading days (docs/api.md): how far it is complete, and the state of
 * each recent day for the status page. A batch is the full cross-section of its date range (docs/ingest.md),
 * so a loaded batch covering a day means the day is in.
 */
export interface DateRange {
  start: string;
  end: string;
}

export interface LedgerSpan extends DateRange {
  batchId: string;
  status: string;
  code: string | null;
}

export type DayState = 'loaded' | 'restated' | 'quarantined' | 'missing' | 'late' | 'due' | 'none';

export interface DayCell {
  day: string;
  state: DayState;
  /** The batches that touched the day, newest last: `<id> <status>[ <code>]`. */
  batches: string[];
}

/**
 * The last trading day up to which every trading day since the first loaded one is covered by a loaded batch.
 * With a calendar, a hole stops it; days past the calendar's end count as covered while one batch range runs
 * on. Without a calendar a hole cannot be told from a holiday: the latest loaded day is the answer.
 */
export function completeThrough(
  calendar: readonly string[] | null,
  loaded: readonly DateRange[],
): string | null {
  const merged = mergeRanges(loaded);
  const first = merged[0];
  if (first === undefined) return null;
  if (calendar === null || calendar.length === 0) return (merged.at(-1) as DateRange).end;
  let last: string | null = null;
  let r = 0;
  for (const day of calendar) {
    if (day < first.start) continue;
    while (r < merged.length && (merged[r] as DateRange).end < day) r++;
    const range = merged[r];
    if (range === undefined || range.start > day) return last;
    last = day;
  }
  // The calendar ends before the data starts: it cannot judge holes.
  if (last === null) return (merged.at(-1) as DateRange).end;
  // The calendar ended inside a covered range: the range goes on.
  const tail = merged.find((m) => m.start <= (last as string) && m.end >= (last as string));
  return tail?.end ?? last;
}

/** Sorted, overlapping ranges joined (adjacent ones stay apart: a day between them may be a trading day). */
export function mergeRanges(ranges: readonly DateRange[]): DateRange[] {
  const sorted = [...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: DateRange[] = [];
  for (const r of sorted) {
    const prev = out.at(-1);
    if (prev !== undefined && r.start <= prev.end) {
      if (r.end > prev.end) prev.end = r.end;
    } else out.push({ start: r.start, end: r.end });
  }
  return out;
}

/**
 * The state of each of `days` (ascending trading days up to today): loaded; restated (loaded more than once);
 * quarantined (only rejected batches); missing (a hole before the latest loaded day); late (after it, before
 * today); due (not in yet, not past due); none (before the dataset's first loaded day, `since`). `pastDue` tells
 * late from due: the dataset's SLA (core/sla.ts dayOutcome) where the caller has one, else "before today".
 */
export function dayStates(
  days: readonly string[],
  spans: readonly LedgerSpan[],
  today: string,
  since: string | null,
  pastDue: (day: string) => boolean = (day) => day < today,
): DayCell[] {
  const lastLoaded = spans
    .filter((s) => s.status === 'loaded')
    .reduce<string | null>((max, s) => (max === null || s.end > max ? s.end : max), null);
  return days.map((day) => {
    const touching = spans.filter((s) => s.start <= day && day <= s.end);
    const loaded = touching.filter((s) => s.status === 'loaded').length;
    let state: DayState;
    if (loaded > 1) state = 'restated';
    else if (loaded === 1) state = 'loaded';
    else if (touching.some((s) => s.status === 'rejected')) state = 'quarantined';
    else if (since === null || day < since) state = !pastDue(day) ? 'due' : since === null ? 'late' : 'none';
    else if (lastLoaded !== null && day < lastLoaded) state = 'missing';
    else state = pastDue(day) ? 'late' : 'due';
    const batches = touching.map((s) => [s.batchId, s.status, s.code ?? ''].join(' ').trim());
    return { day, state, batches };
  });
}

/** The trading days to show: the calendar's last `count` days up to today, or weekdays when there is none. */
export function recentDays(calendar: readonly string[] | null, today: string, count: number): string[] {
  if (calendar !== null && calendar.length > 0) {
    const upTo = calendar.filter((d) => d <= today);
    return upTo.slice(Math.max(0, upTo.length - count));
  }
  const out: string[] = [];
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  for (let t = Date.UTC(y, m - 1, d); out.length < count; t -= 86_400_000) {
    const day = new Date(t);
    if (day.getUTCDay() !== 0 && day.getUTCDay() !== 6) out.push(day.toISOString().slice(0, 10));
  }
  return out.reverse();
}
