import type { ColumnSpec } from '../../core/csv/index.js';
import { selectPrepared } from './prepared.js';
import type { Queryable } from './sql.js';

/** A registered dataset as the HTTP API shows it (migrations/0001, 0009), read with prepared statements. */
export interface CatalogEntry {
  dataset: string;
  kind: string;
  contract: 'evolve' | 'freeze';
  infPolicy: string;
  calendar: string | null;
  rules: string | null;
  retiredAt: string | null;
  createdAt: string;
  updatedAt: string;
  columns: ColumnSpec[];
}

const DATASET_COLUMNS =
  'dataset, kind, contract, inf_policy, calendar, rules, retired_at, created_at, updated_at';

/** One dataset with its columns in ordinal order, or undefined. */
export async function catalogEntry(db: Queryable, dataset: string): Promise<CatalogEntry | undefined> {
  const [row] = await selectPrepared(db, `SELECT ${DATASET_COLUMNS} FROM datasets WHERE dataset = ?`, [
    dataset,
  ]);
  if (row === undefined) return undefined;
  const columns = await selectPrepared(
    db,
    'SELECT column_name, column_type FROM dataset_columns WHERE dataset = ? ORDER BY ordinal, column_name',
    [dataset],
  );
  return toEntry(row, columns.map(toColumn));
}

/** Every dataset, by name, with its columns. */
export async function catalog(db: Queryable): Promise<CatalogEntry[]> {
  const rows = await selectPrepared(db, `SELECT ${DATASET_COLUMNS} FROM datasets ORDER BY dataset`);
  const columns = await selectPrepared(
    db,
    'SELECT dataset, column_name, column_type FROM dataset_columns ORDER BY dataset, ordinal, column_name',
  );
  const byDataset = new Map<string, ColumnSpec[]>();
  for (const c of columns) {
    const list = byDataset.get(String(c.dataset)) ?? [];
    list.push(toColumn(c));
    byDataset.set(String(c.dataset), list);
  }
  return rows.map((r) => toEntry(r, byDataset.get(String(r.dataset)) ?? []));
}

/**
 * The calendar a dataset's days are judged by (the same choice ingest makes, adapters/warehouse/warehouse-facts.ts):
 * its own, else the only one loaded; null when none or several.
 */
export async function calendarOf(db: Queryable, configured: string | null): Promise<string | null> {
  if (configured !== null) return configured;
  const rows = await selectPrepared(
    db,
    'SELECT DISTINCT calendar FROM trading_calendar ORDER BY calendar LIMIT 2',
  );
  return rows.length === 1 ? String(rows[0]?.calendar) : null;
}

/** The trading days of a calendar in [start, end], ascending. */
export async function calendarDays(
  db: Queryable,
  calendar: string,
  start = '0001-01-01',
  end = '9999-12-31',
): Promise<string[]> {
  const rows = await selectPrepared(
    db,
    'SELECT trade_date FROM trading_calendar WHERE calendar = ? AND trade_date BETWEEN ? AND ? ORDER BY trade_date',
    [calendar, start, end],
  );
  return rows.map((r) => String(r.trade_date));
}

export interface CalendarSummary {
  calendar: string;
  days: number;
  first: string;
  last: string;
}

/** Every calendar with its span. */
export async function calendars(db: Queryable): Promise<CalendarSummary[]> {
  const rows = await selectPrepared(
    db,
    `SELECT calendar, COUNT(*) AS days, MIN(trade_date) AS first, MAX(trade_date) AS last
       FROM trading_calendar GROUP BY calendar ORDER BY calendar`,
  );
  return rows.map((r) => ({
    calendar: String(r.calendar),
    days: Number(r.days),
    first: String(r.first),
    last: String(r.last),
  }));
}

function toEntry(row: Record<string, unknown>, columns: ColumnSpec[]): CatalogEntry {
  return {
    dataset: String(row.dataset),
    kind: String(row.kind),
    contract: row.contract === 'freeze' ? 'freeze' : 'evolve',
    infPolicy: String(row.inf_policy),
    calendar: (row.calendar as string | null) ?? null,
    rules: (row.rules as string | null) ?? null,
    retiredAt: (row.retired_at as string | null) ?? null,
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
    columns,
  };
}

function toColumn(c: Record<string, unknown>): ColumnSpec {
  return { name: String(c.column_name), type: c.column_type === 'float64' ? 'float64' : 'float32' };
}
