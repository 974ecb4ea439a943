import type { RowDataPacket } from 'mysql2/promise';
import { type Queryable, selectRows } from './sql.js';

/** What the monitor's checks read from the ledger and the calendar (indexes: ix_batches_dataset_dates, PK). */

export interface LoadedBatch {
  batchId: string;
  start: string;
  end: string;
  finishedAt: string;
  warnings: string[];
}

export interface BatchBrief {
  batchId: string;
  status: string;
  errorCode: string | null;
  dateEnd: string | null;
}

/** The trading days of a calendar within [from, to], sorted. */
export async function calendarWindow(
  db: Queryable,
  calendar: string,
  from: string,
  to: string,
): Promise<string[]> {
  const rows = await selectRows(
    db,
    'SELECT trade_date FROM trading_calendar WHERE calendar = ? AND trade_date BETWEEN ? AND ? ORDER BY trade_date',
    [calendar, from, to],
  );
  return rows.map((r) => String(r.trade_date));
}

/** The last trading day a calendar knows (null: the calendar is not loaded at all). */
export async function calendarLastDay(db: Queryable, calendar: string): Promise<string | null> {
  const [r] = await selectRows(
    db,
    'SELECT MAX(trade_date) AS last FROM trading_calendar WHERE calendar = ?',
    [calendar],
  );
  return r?.last === null || r?.last === undefined ? null : String(r.last);
}

/** The names of the loaded calendars (up to 10). */
export async function loadedCalendars(db: Queryable): Promise<string[]> {
  const rows = await selectRows(
    db,
    'SELECT DISTINCT calendar FROM trading_calendar ORDER BY calendar LIMIT 10',
  );
  return rows.map((r) => String(r.calendar));
}

/** Loaded batches of a dataset whose date range meets [from, to], latest first. */
export async function loadedCovering(
  db: Queryable,
  dataset: string,
  from: string,
  to: string,
): Promise<LoadedBatch[]> {
  const rows = await selectRows(
    db,
    `SELECT batch_id, date_start, date_end, finished_at, warnings FROM batches
      WHERE dataset = ? AND status = 'loaded' AND date_start <= ? AND date_end >= ?
      ORDER BY finished_at DESC, batch_id DESC`,
    [dataset, to, from],
  );
  return rows.map(loadedOf);
}

/** The last trading day a loaded batch of the dataset covers (null: nothing loaded yet). */
export async function lastLoadedDay(db: Queryable, dataset: string): Promise<string | null> {
  const [r] = await selectRows(
    db,
    "SELECT MAX(date_end) AS last FROM batches WHERE dataset = ? AND status = 'loaded'",
    [dataset],
  );
  return r?.last === null || r?.last === undefined ? null : String(r.last);
}

/**
 * The dataset's most recent batch that did not load (rejected, failed or still loading) and could have brought
 * `day`: its range reaches the day, or its manifest was unreadable (no range). For a message's context.
 */
export async function latestUnloaded(
  db: Queryable,
  dataset: string,
  day: string,
): Promise<BatchBrief | undefined> {
  const [r] = await selectRows(
    db,
    `SELECT batch_id, status, error_code, date_end FROM batches
      WHERE dataset = ? AND status IN ('rejected', 'failed', 'loading') AND (date_end IS NULL OR date_end >= ?)
      ORDER BY first_seen_at DESC LIMIT 1`,
    [dataset, day],
  );
  return r === undefined ? undefined : briefOf(r);
}

/** Ledger status of some batches (absent: the ledger never saw them). */
export async function batchBriefs(
  db: Queryable,
  batchIds: readonly string[],
): Promise<Map<string, BatchBrief>> {
  if (batchIds.length === 0) return new Map();
  const rows = await selectRows(
    db,
    'SELECT batch_id, status, error_code, date_end FROM batches WHERE batch_id IN (?)',
    [batchIds],
  );
  return new Map(rows.map((r) => [String(r.batch_id), briefOf(r)]));
}

/** A loaded batch of the dataset, first seen after `batchId`, whose range covers `day`: what fixed a rejection. */
export async function loadedAfter(
  db: Queryable,
  dataset: string,
  batchId: string,
  day: string,
): Promise<LoadedBatch | undefined> {
  const [r] = await selectRows(
    db,
    `SELECT b.batch_id, b.date_start, b.date_end, b.finished_at, b.warnings FROM batches b
      WHERE b.dataset = ? AND b.status = 'loaded' AND b.date_start <= ? AND b.date_end >= ?
        AND b.first_seen_at > (SELECT first_seen_at FROM batches WHERE batch_id = ?)
      ORDER BY b.finished_at DESC LIMIT 1`,
    [dataset, day, day, batchId],
  );
  return r === undefined ? undefined : loadedOf(r);
}

function loadedOf(r: RowDataPacket): LoadedBatch {
  let warnings: string[] = [];
  try {
    warnings =
      typeof r.warnings === 'string' && r.warnings !== '' ? (JSON.parse(r.warnings) as string[]) : [];
  } catch {
    warnings = [];
  }
  return {
    batchId: String(r.batch_id),
    start: String(r.date_start),
    end: String(r.date_end),
    finishedAt: String(r.finished_at),
    warnings,
  };
}

function briefOf(r: RowDataPacket): BatchBrief {
  return {
    batchId: String(r.batch_id),
    status: String(r.status),
    errorCode: r.error_code ?? null,
    dateEnd: r.date_end ?? null,
  };
}
