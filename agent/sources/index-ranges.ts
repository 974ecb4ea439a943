/** Inclusive [first, last] index ranges over the calendar. */
export type IndexRange = [first: number, last: number];

/** Sort and merge overlapping or touching ranges. */
export function mergeRanges(ranges: readonly IndexRange[]): IndexRange[] {
  const sorted = ranges.filter(([a, b]) => a <= b).sort((x, y) => x[0] - y[0]);
  const out: IndexRange[] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** Each range cut to [first, last]; empty results dropped. */
export function clipRanges(ranges: readonly IndexRange[], first: number, last: number): IndexRange[] {
  return ranges
    .map(([a, b]): IndexRange => [Math.max(a, first), Math.min(b, last)])
    .filter(([a, b]) => a <= b);
}

/** Index of the first date >= `date` in a sorted list (its length when none). */
export function lowerBound(sorted: readonly string[], date: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) < date) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the last date <= `date` (-1 when none). */
export function upperIndex(sorted: readonly string[], date: string): number {
  return lowerBound(sorted, `${date}\uffff`) - 1;
}
