import type { LedgerSpan } from '../../core/api/coverage.js';
import { type Param, selectPrepared } from './prepared.js';
import type { Queryable } from './sql.js';

/** One batches row as the API shows it: the ledger, forever (docs/ingest.md, "The ledger"). */
export interface BatchView {
  batchId: string;
  kind: string;
  dataset: string;
  status: string;
  dateStart: string | null;
  dateEnd: string | null;
  rowCount: number | null;
  rowsLoaded: number | null;
  attempts: number;
  errorCode: string | null;
  summary: string | null;
  warnings: string[];
  restatesBatchId: string | null;
  duplicateOf: string | null;
  firstSeenAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  leaseExpiresAt: string | null;
  durationMs: number | null;
}

export interface BatchEvent {
  id: number;
  at: string;
  event: string;
  from: string | null;
  to: string | null;
  attempt: number | null;
  detail: unknown;
}

const COLUMNS = `batch_id, kind, dataset, status, date_start, date_end, row_count, rows_loaded, attempts, error_code,
  summary, warnings, restates_batch_id, duplicate_of, first_seen_at, started_at, finished_at, lease_expires_at,
  TIMESTAMPDIFF(MICROSECOND, started_at, finished_at) DIV 1000 AS duration_ms`;

export interface BatchFilter {
  dataset?: string;
  status?: string;
  /** first_seen_at at or after this (UTC DATETIME text). */
  since?: string;
  /** Keyset: strictly before this (first_seen_at, batch_id). */
  before?: { seenAt: string; batchId: string };
  limit: number;
}

/** Batches newest first (by first sight), filtered, one keyset page. */
export async function listBatches(db: Queryable, f: BatchFilter): Promise<BatchView[]> {
  const where: string[] = [];
  const params: Param[] = [];
  const add = (sql: string, ...values: Param[]) => {
    where.push(sql);
    params.push(...values);
  };
  if (f.dataset !== undefined) add('dataset = ?', f.dataset);
  if (f.status !== undefined) add('status = ?', f.status);
  if (f.since !== undefined) add('first_seen_at >= ?', f.since);
  if (f.before !== undefined) {
    const { seenAt, batchId } = f.before;
    add('(first_seen_at < ? OR (first_seen_at = ? AND batch_id < ?))', seenAt, seenAt, batchId);
  }
  const rows = await selectPrepared(
    db,
    `SELECT ${COLUMNS} FROM batches ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY first_seen_at DESC, batch_id DESC LIMIT ?`,
    [...params, f.limit],
  );
  return rows.map(toView);
}

/** One batch, or undefined. */
export async function findBatch(db: Queryable, batchId: string): Promise<BatchView | undefined> {
  const [row] = await selectPrepared(db, `SELECT ${COLUMNS} FROM batches WHERE batch_id = ?`, [batchId]);
  return row === undefined ? undefined : toView(row);
}

/** Every event of a batch, in order. */
export async function batchEvents(db: Queryable, batchId: string): Promise<BatchEvent[]> {
  const rows = await selectPrepared(
    db,
    'SELECT id, at, event, from_status, to_status, attempt, detail FROM batch_events WHERE batch_id = ? ORDER BY id',
    [batchId],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    at: String(r.at),
    event: String(r.event),
    from: r.from_status ?? null,
    to: r.to_status ?? null,
    attempt: r.attempt === null ? null : Number(r.attempt),
    detail: parseDetail(r.detail),
  }));
}

/** Batches that restated `batchId` (their most recent predecessor was it). */
export async function restatedBy(db: Queryable, batchId: string): Promise<string[]> {
  const rows = await selectPrepared(
    db,
    'SELECT batch_id FROM batches WHERE restates_batch_id = ? ORDER BY finished_at',
    [batchId],
  );
  return rows.map((r) => String(r.batch_id));
}

/** The date spans of a dataset's batches that end on or after `from` (status page strips). */
export async function spansSince(db: Queryable, dataset: string, from: string): Promise<LedgerSpan[]> {
  const rows = await selectPrepared(
    db,
    `SELECT batch_id, status, error_code, date_start, date_end FROM batches
      WHERE dataset = ? AND date_end >= ? AND date_start IS NOT NULL ORDER BY first_seen_at, batch_id`,
    [dataset, from],
  );
  return rows.map((r) => ({
    batchId: String(r.batch_id),
    status: String(r.status),
    code: r.error_code ?? null,
    start: String(r.date_start),
    end: String(r.date_end),
  }));
}

/** The first day a loaded batch of the dataset covers, or null when none is loaded. */
export async function firstLoadedDay(db: Queryable, dataset: string): Promise<string | null> {
  const [row] = await selectPrepared(
    db,
    "SELECT MIN(date_start) AS first FROM batches WHERE dataset = ? AND status = 'loaded'",
    [dataset],
  );
  return row?.first === null || row?.first === undefined ? null : String(row.first);
}

/** Batches not settled: loading (with its lease) or failed. */
export async function unsettledBatches(db: Queryable): Promise<(BatchView & { leaseExpired: boolean })[]> {
  const rows = await selectPrepared(
    db,
    `SELECT ${COLUMNS}, (lease_expires_at IS NULL OR lease_expires_at <= UTC_TIMESTAMP(3)) AS lease_expired
       FROM batches WHERE status IN ('loading', 'failed') ORDER BY first_seen_at DESC LIMIT 100`,
  );
  return rows.map((r) => ({ ...toView(r), leaseExpired: Number(r.lease_expired) === 1 }));
}

function toView(r: Record<string, unknown>): BatchView {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    batchId: String(r.batch_id),
    kind: String(r.kind),
    dataset: String(r.dataset),
    status: String(r.status),
    dateStart: str(r.date_start),
    dateEnd: str(r.date_end),
    rowCount: num(r.row_count),
    rowsLoaded: num(r.rows_loaded),
    attempts: Number(r.attempts),
    errorCode: str(r.error_code),
    summary: str(r.summary),
    warnings: parseWarnings(r.warnings),
    restatesBatchId: str(r.restates_batch_id),
    duplicateOf: str(r.duplicate_of),
    firstSeenAt: String(r.first_seen_at),
    startedAt: str(r.started_at),
    finishedAt: str(r.finished_at),
    leaseExpiresAt: str(r.lease_expires_at),
    durationMs: num(r.duration_ms),
  };
}

function parseWarnings(text: unknown): string[] {
  if (typeof text !== 'string' || text === '') return [];
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return [];
  }
}

function parseDetail(text: unknown): unknown {
  if (typeof text !== 'string') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
