import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import type { IncidentFinding } from '../../core/incident-message.js';
import { type AppliedTransition, IncidentStore, type IncidentStoreSettings } from './incident-store.js';
import { execute, type Queryable, selectRows } from './sql.js';

/** What ingest records beside an outcome: a finding, which becomes (or changes) an incident. */
export type AlertRecord = IncidentFinding;

/** A message not yet accepted by MNS. */
export interface PendingAlert {
  id: number;
  dedupeKey: string;
  severity: string;
  body: string;
  publishAttempts: number;
  /** `topic`: the JSON message on ALERT_TOPIC; `mail`: the same message as email on ALERT_MAIL_TOPIC */
  channel: 'topic' | 'mail';
}

const PENDING_COLUMNS = 'id, dedupe_key, severity, detail, publish_attempts, channel';

/**
 * The alerts table is the outbox of incident messages (migrations/0003, 0008): a finding recorded in the same
 * transaction as the outcome it tells about changes its incident (IncidentStore), and each state change queues
 * one message per channel, published after the commit. `published_at` stays NULL until MNS accepted it.
 */
export class AlertStore {
  private readonly incidents: IncidentStore;

  constructor(settings: IncidentStoreSettings = { source: 'ingest', mail: false }) {
    this.incidents = new IncidentStore(settings);
  }

  /** Apply a finding to its incident inside the caller's transaction; a state change queues its messages. */
  record(
    conn: PoolConnection,
    finding: AlertRecord,
    now = new Date(),
  ): Promise<AppliedTransition | undefined> {
    return this.incidents.applyIn(conn, finding, now);
  }

  /** Messages about one batch that MNS has not accepted yet. */
  async pendingForBatch(db: Queryable, batchId: string): Promise<PendingAlert[]> {
    const rows = await selectRows(
      db,
      `SELECT ${PENDING_COLUMNS} FROM alerts WHERE batch_id = ? AND published_at IS NULL ORDER BY id`,
      [batchId],
    );
    return rows.map(pendingOf);
  }

  /** The given messages, if still unpublished. */
  async pendingByIds(db: Queryable, ids: readonly number[]): Promise<PendingAlert[]> {
    if (ids.length === 0) return [];
    const rows = await selectRows(
      db,
      `SELECT ${PENDING_COLUMNS} FROM alerts WHERE id IN (?) AND published_at IS NULL ORDER BY id`,
      [ids],
    );
    return rows.map(pendingOf);
  }

  /**
   * Messages MNS never accepted whose last attempt (or creation) is older than `staleSeconds`: whoever queued
   * them gave up (or died); a publish in flight is younger. Least-tried first, so a message MNS keeps refusing
   * cannot starve the others.
   */
  async stale(db: Queryable, staleSeconds: number, limit: number): Promise<PendingAlert[]> {
    const rows = await selectRows(
      db,
      `SELECT ${PENDING_COLUMNS} FROM alerts
        WHERE published_at IS NULL AND COALESCE(last_attempt_at, last_at) < UTC_TIMESTAMP(3) - INTERVAL ? SECOND
        ORDER BY publish_attempts, id LIMIT ?`,
      [staleSeconds, limit],
    );
    return rows.map(pendingOf);
  }

  /**
   * Take the next publish attempt of a message for `publisher` (one token per publishing call): true when it is
   * ours — unpublished, and held by nobody else, or by someone whose last try is over a minute old (it died). The
   * holder keeps it through its retries, so two instances (ingest finishing a batch, a monitor run) never both
   * publish it, even one after the other while the first is still waiting for MNS.
   */
  async takeAttempt(db: Queryable, alert: PendingAlert, publisher: string): Promise<boolean> {
    const n = await execute(
      db,
      `UPDATE alerts SET publish_attempts = publish_attempts + 1, last_attempt_at = UTC_TIMESTAMP(3), publishing_by = ?
        WHERE id = ? AND published_at IS NULL
          AND (publishing_by IS NULL OR publishing_by = ? OR last_attempt_at < UTC_TIMESTAMP(3) - INTERVAL 60 SECOND)`,
      [publisher, alert.id, publisher],
    );
    if (n === 1) alert.publishAttempts += 1;
    return n === 1;
  }

  /** Give a message back after the last failed try, so the next publisher need not wait for the minute to pass. */
  async release(db: Queryable, id: number, publisher: string): Promise<void> {
    await execute(db, 'UPDATE alerts SET publishing_by = NULL WHERE id = ? AND publishing_by = ?', [
      id,
      publisher,
    ]);
  }

  async markPublished(db: Queryable, id: number, messageId: string): Promise<void> {
    await execute(
      db,
      'UPDATE alerts SET published_at = UTC_TIMESTAMP(3), message_id = ?, last_publish_error = NULL WHERE id = ?',
      [messageId.slice(0, 64), id],
    );
  }

  async markFailed(db: Queryable, id: number, error: string): Promise<void> {
    await execute(db, 'UPDATE alerts SET last_publish_error = ? WHERE id = ?', [error, id]);
  }
}

function pendingOf(r: RowDataPacket): PendingAlert {
  return {
    id: Number(r.id),
    dedupeKey: String(r.dedupe_key),
    severity: String(r.severity),
    body: String(r.detail),
    publishAttempts: Number(r.publish_attempts),
    channel: r.channel === 'mail' ? 'mail' : 'topic',
  };
}
