import { Readable } from 'node:stream';
import type { Pool } from 'mysql2/promise';
import { isTransient } from '../../core/errors.js';
import { translateMysqlError } from './errors.js';
import { isLocalInfileRefused } from './load-data-sink.js';
import type { LoadMode } from './loader.js';
import { quoteId } from './pool.js';
import { factorTableName } from './registry.js';
import { type Queryable, selectRows } from './sql.js';

/** What the warehouse knows that the quality rules use: calendars and the day before a batch. */

/** The trading days of a calendar (a few thousand rows for decades) and the span it covers. */
export interface CalendarDays {
  calendar: string;
  days: string[];
}

/** Which calendar a dataset's dates are checked against; `ambiguous` names the loaded ones (up to 10). */
export type CalendarChoice =
  | { kind: 'chosen'; calendar: string }
  | { kind: 'none' }
  | { kind: 'ambiguous'; calendars: string[] };

/**
 * The calendar a dataset is checked against: its own, else the only one loaded. Several loaded and none
 * configured is `ambiguous`: no calendar check, and the caller says so (CALENDAR_AMBIGUOUS).
 */
export async function chooseCalendar(db: Queryable, configured: string | null): Promise<CalendarChoice> {
  if (configured !== null) return { kind: 'chosen', calendar: configured };
  const rows = await selectRows(
    db,
    'SELECT DISTINCT calendar FROM trading_calendar ORDER BY calendar LIMIT 10',
  );
  const names = rows.map((r) => String(r.calendar));
  if (names.length === 0) return { kind: 'none' };
  if (names.length === 1) return { kind: 'chosen', calendar: names[0] as string };
  return { kind: 'ambiguous', calendars: names };
}

export async function calendarDays(db: Queryable, calendar: string): Promise<CalendarDays> {
  const rows = await selectRows(
    db,
    'SELECT trade_date FROM trading_calendar WHERE calendar = ? ORDER BY trade_date',
    [calendar],
  );
  return { calendar, days: rows.map((d) => String(d.trade_date)) };
}

/** Instrument count on the latest trading date before `start` in a factor table (INSTRUMENT_COUNT_DRIFT). */
export async function previousDay(
  db: Queryable,
  dataset: string,
  start: string,
): Promise<{ date: string; instruments: number } | undefined> {
  const table = quoteId(factorTableName(dataset));
  const [row] = await selectRows(
    db,
    `SELECT trade_date, COUNT(*) AS n FROM ${table}
      WHERE trade_date = (SELECT MAX(trade_date) FROM ${table} WHERE trade_date < ?) GROUP BY trade_date`,
    [start],
  );
  return row === undefined ? undefined : { date: String(row.trade_date), instruments: Number(row.n) };
}

/** The batch already loaded with this content (content identity: dataset + payload SHA-256), with its digest. */
export async function loadedContent(
  db: Queryable,
  dataset: string,
  sha256: string,
): Promise<{ batchId: string; crc64: string | null; bytes: number | null } | undefined> {
  const [row] = await selectRows(
    db,
    `SELECT lc.batch_id, b.payload_crc64, b.payload_bytes FROM loaded_contents lc
       LEFT JOIN batches b ON b.batch_id = lc.batch_id
      WHERE lc.dataset = ? AND lc.content_sha256 = ?`,
    [dataset, sha256],
  );
  if (row === undefined) return undefined;
  const bytes = row.payload_bytes === null ? null : Number(row.payload_bytes);
  return { batchId: String(row.batch_id), crc64: row.payload_crc64 ?? null, bytes };
}

/**
 * LOAD_MODE auto: LOAD DATA LOCAL when this connection may use it, multi-row INSERT otherwise. @@local_infile is
 * only the server's half (the client must announce CLIENT_LOCAL_FILES too); a statement asks both: LOAD DATA
 * LOCAL into a table that does not exist is refused first when either half is off (the server checks that
 * before it opens the table), else fails on the table. Nothing is read or written either way.
 */
export async function resolveLoadMode(pool: Pool, configured: 'auto' | LoadMode): Promise<LoadMode> {
  if (configured !== 'auto') return configured;
  try {
    await pool.query({
      sql: 'LOAD DATA LOCAL INFILE ? INTO TABLE `qlib_local_infile_probe_does_not_exist` (a)',
      values: ['probe.csv'],
      infileStreamFactory: () => Readable.from([]),
    });
  } catch (error) {
    if (isLocalInfileRefused(error)) return 'insert';
    const translated = translateMysqlError(error, 'probe LOAD DATA LOCAL');
    if (isTransient(translated)) throw translated;
  }
  return 'load-data';
}
