import type { DateRange } from '../../core/api/coverage.js';
import { quoteId } from './pool.js';
import { selectPrepared } from './prepared.js';
import { factorTableName } from './registry.js';
import type { Snapshot } from './snapshots.js';
import type { Queryable } from './sql.js';

/**
 * What a reader holding one snapshot of a factor dataset needs to reach a later one (docs/pull.md): the loaded
 * batches in between with their date ranges. A batch is the full cross-section of its range (docs/ingest.md,
 * "Restatements"), so those ranges are every date whose rows may differ between the two snapshots.
 */
export interface LoadedBatch extends DateRange {
  batchId: string;
  /** It replaced rows of earlier batches (restates_batch_id is set). */
  restates: boolean;
}

/** The loaded factor batch `batchId` of `dataset` as a snapshot, or null (unknown, another dataset, not loaded). */
export async function snapshotOf(db: Queryable, dataset: string, batchId: string): Promise<Snapshot | null> {
  const [row] = await selectPrepared(
    db,
    `SELECT batch_id, finished_at FROM batches
      WHERE batch_id = ? AND dataset = ? AND status = 'loaded' AND kind = 'factors'`,
    [batchId, dataset],
  );
  return row === undefined ? null : { batchId: String(row.batch_id), loadedAt: String(row.finished_at) };
}

/** Loaded batches after `since` up to and including `until`, in load order. */
export async function loadedBetween(
  db: Queryable,
  dataset: string,
  since: Snapshot,
  until: Snapshot,
): Promise<LoadedBatch[]> {
  const rows = await selectPrepared(
    db,
    `SELECT batch_id, date_start, date_end, restates_batch_id FROM batches
      WHERE dataset = ? AND status = 'loaded' AND kind = 'factors'
        AND (finished_at > ? OR (finished_at = ? AND batch_id > ?))
        AND (finished_at < ? OR (finished_at = ? AND batch_id <= ?))
      ORDER BY finished_at, batch_id`,
    [dataset, since.loadedAt, since.loadedAt, since.batchId, until.loadedAt, until.loadedAt, until.batchId],
  );
  return rows.map((r) => ({
    batchId: String(r.batch_id),
    start: String(r.date_start),
    end: String(r.date_end),
    restates: r.restates_batch_id !== null,
  }));
}

/** Each instrument's first and last trade date in the table (the (instrument, trade_date) index answers it). */
export async function instrumentSpans(
  db: Queryable,
  dataset: string,
): Promise<{ instrument: string; start: string; end: string }[]> {
  const rows = await selectPrepared(
    db,
    `SELECT instrument, MIN(trade_date) AS first_day, MAX(trade_date) AS last_day
       FROM ${quoteId(factorTableName(dataset))} GROUP BY instrument ORDER BY instrument`,
  );
  return rows.map((r) => ({
    instrument: String(r.instrument),
    start: String(r.first_day),
    end: String(r.last_day),
  }));
}

/** The distinct trade dates of the table, ascending: the days of a dataset without a trading calendar. */
export async function dataDays(db: Queryable, dataset: string): Promise<string[]> {
  const rows = await selectPrepared(
    db,
    `SELECT DISTINCT trade_date FROM ${quoteId(factorTableName(dataset))} ORDER BY trade_date`,
  );
  return rows.map((r) => String(r.trade_date));
}
