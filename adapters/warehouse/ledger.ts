import type { Pool, PoolConnection } from 'mysql2/promise';
import {
  type BatchFacts,
  type Claim,
  detailText,
  factValues,
  type LedgerRow,
  ROW_COLUMNS,
  SETTLED,
  type Settlement,
  sameRequest,
  toLedgerRow,
} from './ledger-types.js';
import { execute, inTransaction, type Queryable, selectRows } from './sql.js';

export type { BatchFacts, Claim, LedgerRow, LedgerStatus, Settlement } from './ledger-types.js';

/** One batch_events row: what happened to a batch, with the statuses it moved between. */
export interface LedgerEvent {
  event: string;
  from?: string | null;
  to?: string | null;
  attempt?: number | null;
  detail?: unknown;
}

const NOW = 'UTC_TIMESTAMP(3)';

/**
 * The batches ledger (migrations/0002, 0006): one row per batch ever seen, claimed with a lease whose times
 * come from the DATABASE clock (UTC_TIMESTAMP), never an instance's. Every transition writes a batch_events row.
 */
export class Ledger {
  constructor(private readonly pool: Pool) {}

  /**
   * Claim a batch for `owner`: a new batch is inserted `loading`; a settled one is left alone; a live lease of
   * another request makes us step aside; an expired lease, a `failed` batch or a dead attempt of the same
   * request is taken over (attempts + 1, event lease_taken_over). Two short transactions: the insert (whose
   * duplicate check takes a shared lock, released at once when the row exists), then a locking read (FOR UPDATE)
   * and the update, so concurrent claims queue on the row instead of deadlocking on a lock upgrade.
   */
  async claim(facts: BatchFacts, owner: string, leaseSeconds: number): Promise<Claim> {
    const inserted = await inTransaction(this.pool, async (conn) => {
      const n = await execute(
        conn,
        `INSERT IGNORE INTO batches (batch_id, kind, dataset, content_sha256, payload_crc64, payload_bytes,
           manifest_key, date_start, date_end, row_count, status, lease_owner, lease_expires_at, attempts,
           first_seen_at, started_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'loading', ?, ${NOW} + INTERVAL ? SECOND, 1, ${NOW}, ${NOW}, ${NOW})`,
        [...factValues(facts), owner, leaseSeconds],
      );
      if (n === 1) {
        await this.record(conn, facts.batchId, {
          event: 'claimed',
          to: 'loading',
          attempt: 1,
          detail: { owner },
        });
      }
      return n === 1;
    });
    if (inserted) return { kind: 'claimed', attempt: 1 };
    return inTransaction(this.pool, (conn) => this.claimExisting(conn, facts, owner, leaseSeconds));
  }

  private async claimExisting(
    conn: PoolConnection,
    facts: BatchFacts,
    owner: string,
    leaseSeconds: number,
  ): Promise<Claim> {
    const [r] = await selectRows(
      conn,
      `SELECT ${ROW_COLUMNS}, lease_expires_at, lease_expires_at <= ${NOW} AS expired,
              TIMESTAMPDIFF(MICROSECOND, ${NOW}, lease_expires_at) AS remaining_us
         FROM batches WHERE batch_id = ? FOR UPDATE`,
      [facts.batchId],
    );
    if (r === undefined) throw new Error(`batch ${facts.batchId} vanished from the ledger during its claim`);
    const row = toLedgerRow(r);
    if (row.kind !== facts.kind || row.dataset !== facts.dataset) return { kind: 'conflict', row };
    if (SETTLED.includes(row.status)) return { kind: 'settled', row };
    const previous = row.leaseOwner ?? '';
    const dead = row.status === 'failed' || Number(r.expired) === 1 || sameRequest(previous, owner);
    if (!dead) {
      const remainingMs = Math.max(0, Math.ceil(Number(r.remaining_us ?? 0) / 1000));
      return { kind: 'in_progress', owner: previous, expiresAt: String(r.lease_expires_at), remainingMs };
    }
    const attempt = row.attempts + 1;
    await execute(
      conn,
      `UPDATE batches SET content_sha256 = ?, payload_crc64 = ?, payload_bytes = ?, manifest_key = ?,
         date_start = ?, date_end = ?, row_count = ?, status = 'loading', lease_owner = ?,
         lease_expires_at = ${NOW} + INTERVAL ? SECOND, attempts = ?, started_at = ${NOW}, updated_at = ${NOW}
       WHERE batch_id = ?`,
      [...factValues(facts).slice(3), owner, leaseSeconds, attempt, facts.batchId],
    );
    const detail = { previousOwner: previous, previousStatus: row.status, owner };
    await this.record(conn, facts.batchId, {
      event: 'lease_taken_over',
      from: row.status,
      to: 'loading',
      attempt,
      detail,
    });
    return { kind: 'claimed', attempt, takenOverFrom: previous };
  }

  /** The ledger row of a batch, if any. */
  async find(batchId: string): Promise<LedgerRow | undefined> {
    const [r] = await selectRows(this.pool, `SELECT ${ROW_COLUMNS} FROM batches WHERE batch_id = ?`, [
      batchId,
    ]);
    return r === undefined ? undefined : toLedgerRow(r);
  }

  /** Extend the lease while loading; false when it is no longer ours (taken over, or settled). */
  async heartbeat(batchId: string, owner: string, leaseSeconds: number): Promise<boolean> {
    const n = await execute(
      this.pool,
      `UPDATE batches SET lease_expires_at = ${NOW} + INTERVAL ? SECOND, updated_at = ${NOW}
        WHERE batch_id = ? AND lease_owner = ? AND status = 'loading'`,
      [leaseSeconds, batchId, owner],
    );
    return n === 1;
  }

  /**
   * A transient fault: end our lease now (status stays `loading`) so FC's retry takes over at once,
   * and say why in a failed_attempt event.
   */
  releaseLease(batchId: string, owner: string, error: { code: string; message: string }): Promise<void> {
    return this.finishAttempt(batchId, owner, 'loading', 'failed_attempt', error);
  }

  /** An unknown error (a bug): status failed with the error, never quarantined; a later delivery may retry. */
  markFailed(batchId: string, owner: string, error: { code: string; message: string }): Promise<void> {
    return this.finishAttempt(batchId, owner, 'failed', 'failed', error);
  }

  private async finishAttempt(
    batchId: string,
    owner: string,
    status: 'loading' | 'failed',
    event: string,
    error: { code: string; message: string },
  ): Promise<void> {
    await inTransaction(this.pool, async (conn) => {
      const n = await execute(
        conn,
        `UPDATE batches SET status = ?, lease_expires_at = ${NOW}, error_code = ?, error_detail = ?, updated_at = ${NOW}
          WHERE batch_id = ? AND lease_owner = ? AND status = 'loading'`,
        [status, error.code.slice(0, 64), error.message, batchId, owner],
      );
      if (n === 1) await this.record(conn, batchId, { event, from: 'loading', to: status, detail: error });
    });
  }

  /**
   * Settle a batch we hold as rejected or duplicate (the `loaded` transition is part of the load transaction).
   * Returns false when the lease was lost: someone else owns the batch now and nothing was written.
   */
  async settle(conn: PoolConnection, batchId: string, owner: string, s: Settlement): Promise<boolean> {
    const n = await execute(
      conn,
      `UPDATE batches SET status = ?, rows_loaded = ?, duplicate_of = ?, restates_batch_id = ?, error_code = ?,
         error_detail = ?, summary = ?, warnings = ?, lease_expires_at = NULL, finished_at = ${NOW}, updated_at = ${NOW}
       WHERE batch_id = ? AND lease_owner = ? AND status = 'loading'`,
      [
        s.status,
        s.rowsLoaded ?? null,
        s.duplicateOf ?? null,
        s.restatesBatchId ?? null,
        s.errorCode ?? null,
        s.errorDetail ?? null,
        s.summary,
        JSON.stringify(s.warnings ?? []),
        batchId,
        owner,
      ],
    );
    if (n !== 1) return false;
    await this.record(conn, batchId, {
      event: s.status,
      from: 'loading',
      to: s.status,
      detail: s.eventDetail,
    });
    return true;
  }

  /** Append a batch_events row (inside the caller's transaction when given its connection). */
  async record(db: Queryable, batchId: string, e: LedgerEvent): Promise<void> {
    await execute(
      db,
      `INSERT INTO batch_events (batch_id, at, event, from_status, to_status, attempt, detail)
       VALUES (?, ${NOW}, ?, ?, ?, ?, ?)`,
      [batchId, e.event, e.from ?? null, e.to ?? null, e.attempt ?? null, detailText(e.detail)],
    );
  }
}
