import type { DateRange } from '../../core/api/coverage.js';
import { selectPrepared } from './prepared.js';
import type { Queryable } from './sql.js';

/**
 * Snapshots of a factor dataset, from the ledger (docs/api.md, "Snapshots and as_of"). A snapshot is a loaded
 * batch, ordered by (finished_at, batch_id): the data "as of" it is every row written by a batch at or before it
 * that no batch at or before it replaced. finished_at is written in the load transaction just before COMMIT.
 */
export interface Snapshot {
  batchId: string;
  /** finished_at, UTC DATETIME(3) text. */
  loadedAt: string;
}

/** The latest loaded batch of `dataset` (at or before `asOf` when given), or null when none is. */
export async function latestSnapshot(
  db: Queryable,
  dataset: string,
  asOf: string | null,
): Promise<Snapshot | null> {
  const [row] = await selectPrepared(
    db,
    `SELECT batch_id, finished_at FROM batches
      WHERE dataset = ? AND status = 'loaded' AND kind = 'factors' AND finished_at <= ?
      ORDER BY finished_at DESC, batch_id DESC LIMIT 1`,
    [dataset, asOf ?? '9999-12-31 23:59:59.999'],
  );
  return row === undefined ? null : { batchId: String(row.batch_id), loadedAt: String(row.finished_at) };
}

/** Loaded batches of `dataset` after the snapshot (every loaded batch when there is none): what it must not see. */
export async function loadedAfter(
  db: Queryable,
  dataset: string,
  snapshot: Snapshot | null,
): Promise<string[]> {
  const at = snapshot ?? { batchId: '', loadedAt: '0000-00-00 00:00:00.000' };
  const rows = await selectPrepared(
    db,
    `SELECT batch_id FROM batches
      WHERE dataset = ? AND status = 'loaded' AND kind = 'factors'
        AND (finished_at > ? OR (finished_at = ? AND batch_id > ?))
      ORDER BY finished_at, batch_id`,
    [dataset, at.loadedAt, at.loadedAt, at.batchId],
  );
  return rows.map((r) => String(r.batch_id));
}

/** The date ranges of the loaded batches up to and including the snapshot (null: every loaded batch). */
export async function loadedRanges(
  db: Queryable,
  dataset: string,
  snapshot: Snapshot | null,
): Promise<DateRange[]> {
  const at = snapshot ?? { batchId: '~', loadedAt: '9999-12-31 23:59:59.999' };
  const rows = await selectPrepared(
    db,
    `SELECT date_start, date_end FROM batches
      WHERE dataset = ? AND status = 'loaded' AND kind = 'factors'
        AND (finished_at < ? OR (finished_at = ? AND batch_id <= ?))`,
    [dataset, at.loadedAt, at.loadedAt, at.batchId],
  );
  return rows.map((r) => ({ start: String(r.date_start), end: String(r.date_end) }));
}

/** Rows per trading day of the snapshot's batch (rows over weekdays of its range): sizes the date windows. */
export async function rowsPerDay(db: Queryable, snapshot: Snapshot): Promise<number> {
  const [row] = await selectPrepared(
    db,
    'SELECT rows_loaded, date_start, date_end FROM batches WHERE batch_id = ?',
    [snapshot.batchId],
  );
  if (row === undefined) return 1;
  const days = weekdays(String(row.date_start), String(row.date_end));
  return Math.max(1, Math.ceil(Number(row.rows_loaded ?? 0) / days));
}

function weekdays(start: string, end: string): number {
  let n = 0;
  for (let t = Date.parse(`${start}T00:00:00Z`); t <= Date.parse(`${end}T00:00:00Z`); t += 86_400_000) {
    const day = new Date(t).getUTCDay();
    if (day !== 0 && day !== 6) n++;
  }
  return Math.max(1, n);
}
