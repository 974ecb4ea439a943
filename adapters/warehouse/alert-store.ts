import type { RowDataPacket } from 'mysql2/promise';
import { execute, type Queryable, selectRows } from './sql.js';

/** One alert as the alerts table keeps it (migrations/0003_alerts.sql). */
export interface AlertRecord {
  /** (code, dataset, trading day): repeats only bump `occurrences`. */
  dedupeKey: string;
  code: string;
  severity: 'info' | 'warn' | 'error';
  dataset: string | null;
  tradingDay: string | null;
  batchId: string | null;
  summary: string;
  /** The message body to publish (JSON text), kept so a failed publish can be retried later. */
  body: string;
}

/** An alert not yet accepted by MNS. */
export interface PendingAlert {
  id: number;
  dedupeKey: string;
  severity: string;
  body: string;
  publishAttempts: number;
}

/**
 * The alerts table is an outbox: alerts are recorded in the same transaction as the outcome they tell about,
 * and published after the commit. `published_at` stays NULL until MNS accepted the message.
 */
export class AlertStore {
  /** Record an alert, or count one more occurrence of it (INSERT … ON DUPLICATE KEY UPDATE). */
  async record(db: Queryable, a: AlertRecord): Promise<void> {
    await execute(
      db,
      `INSERT INTO alerts (dedupe_key, code, severity, dataset, trading_day, batch_id, summary, detail,
         occurrences, first_at, last_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))
       ON DUPLICATE KEY UPDATE occurrences = occurrences + 1, last_at = UTC_TIMESTAMP(3)`,
      [a.dedupeKey, a.code, a.severity, a.dataset, a.tradingDay, a.batchId, a.summary, a.body],
    );
  }

  /** The alerts among `keys` that were never published (first time, or every earlier publish failed). */
  async pending(db: Queryable, keys: readonly string[]): Promise<PendingAlert[]> {
    if (keys.length === 0) return [];
    const rows = await selectRows(
      db,
      `SELECT id, dedupe_key, severity, detail, publish_attempts FROM alerts
        WHERE dedupe_key IN (?) AND published_at IS NULL ORDER BY id`,
      [keys],
    );
    return rows.map(pendingOf);
  }

  /**
   * Alerts MNS never accepted whose last occurrence is older than `staleSeconds`: their batch's own publishing
   * gave up (or its instance died). Least-tried first, so an alert MNS keeps refusing cannot starve the others.
   */
  async stale(db: Queryable, staleSeconds: number, limit: number): Promise<PendingAlert[]> {
    const rows = await selectRows(
      db,
      `SELECT id, dedupe_key, severity, detail, publish_attempts FROM alerts
        WHERE published_at IS NULL AND last_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND
        ORDER BY publish_attempts, id LIMIT ?`,
      [staleSeconds, limit],
    );
    return rows.map(pendingOf);
  }

  /**
   * Take the next publish attempt of an alert: true when it is ours (nobody published it or tried meanwhile),
   * so two instances healing the same batch do not both publish.
   */
  async takeAttempt(db: Queryable, alert: PendingAlert): Promise<boolean> {
    const n = await execute(
      db,
      `UPDATE alerts SET publish_attempts = publish_attempts + 1
        WHERE id = ? AND published_at IS NULL AND publish_attempts = ?`,
      [alert.id, alert.publishAttempts],
    );
    if (n === 1) alert.publishAttempts += 1;
    return n === 1;
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
  };
}
