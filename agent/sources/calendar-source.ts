import { lowerBound, upperIndex } from './index-ranges.js';
import { checkProviderDir, readCalendar } from './qlib-dir.js';
import type { CalendarSource } from './source.js';

export interface CalendarOptions {
  root: string;
  /** The calendar's name, used as the dataset (e.g. `cn`). */
  dataset: string;
  start?: string;
  end?: string;
}

/** A calendar batch: the trading dates of calendars/day.txt within [start, end]. */
export function openCalendarSource(options: CalendarOptions): CalendarSource {
  checkProviderDir(options.root);
  const calendar = readCalendar(options.root);
  const first = options.start === undefined ? 0 : lowerBound(calendar, options.start);
  const last = options.end === undefined ? calendar.length - 1 : upperIndex(calendar, options.end);
  const dates = calendar.slice(first, last + 1);
  return {
    kind: 'calendar',
    dataset: options.dataset,
    sourcePath: options.root,
    dates,
    calendar: new Set(calendar),
    dateRange: {
      start: dates[0] ?? options.start ?? (calendar[0] as string),
      end: dates.at(-1) ?? options.end ?? (calendar.at(-1) as string),
    },
  };
}

/** The trading calendar of a provider directory, for the off-calendar rule of export pushes. */
export function loadCalendarSet(root: string): ReadonlySet<string> {
  checkProviderDir(root);
  return new Set(readCalendar(root));
}
