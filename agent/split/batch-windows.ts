import type { ColumnSpec } from '../../core/csv/index.js';

/**
 * Long histories go up as several batches of bounded size (docs/deploy.md, "Binary log and batch size"): every
 * batch commits in one MySQL transaction, and with the binary log on (RDS MySQL always runs ROW binlog) that
 * transaction's row images must fit max_binlog_cache_size and travel to the standby in one piece.
 */

/** Default budget per batch, in MiB of rows as MySQL's row format carries them (about; see rowBytes). */
export const DEFAULT_BATCH_MIB = 128;

/** Consecutive trading days one batch covers; a day is never split (a batch is its dates' full cross-section). */
export interface DateWindow {
  start: string;
  end: string;
}

/**
 * About how many bytes one row is in a ROW-format binlog event: 4 (FLOAT) or 8 (DOUBLE) per value, plus the
 * date, the instrument code, the batch id and the event's per-row overhead (48 bytes, generous).
 */
export function rowBytes(columns: readonly ColumnSpec[]): number {
  let bytes = 48;
  for (const c of columns) bytes += c.type === 'float64' ? 8 : 4;
  return bytes;
}

/**
 * Cut days (ascending, with their row counts) into consecutive windows of at most `budgetBytes` each; a day
 * bigger than the budget is a window of its own. Deterministic: the same days give the same windows, so the
 * same data pushed again gives the same batches (and the same content digests).
 */
export function planWindows(
  days: readonly { date: string; rows: number }[],
  bytesPerRow: number,
  budgetBytes: number,
): DateWindow[] {
  const windows: DateWindow[] = [];
  let current: DateWindow | undefined;
  let used = 0;
  for (const { date, rows } of days) {
    const bytes = rows * bytesPerRow;
    if (current !== undefined && used + bytes > budgetBytes) {
      windows.push(current);
      current = undefined;
    }
    if (current === undefined) {
      current = { start: date, end: date };
      used = 0;
    }
    current.end = date;
    used += bytes;
  }
  if (current !== undefined) windows.push(current);
  return windows;
}

/** The window index holding `date` (windows ascending and consecutive); -1 before the first. */
export function windowOf(windows: readonly DateWindow[], date: string): number {
  let lo = 0;
  let hi = windows.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((windows[mid] as DateWindow).start <= date) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
