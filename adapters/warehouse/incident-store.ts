import type { Pool, PoolConnection } from 'mysql2/promise';
import { formatMessage, type IncidentFinding, type MessageBody } from '../../core/incident-message.js';
import {
  decideTransition,
  type IncidentState,
  messageKey,
  type Severity,
  type Transition,
} from '../../core/incidents.js';
import {
  execute,
  insertRow,
  inTransaction,
  isoOfSqlTime,
  type Queryable,
  selectRows,
  sqlTime,
} from './sql.js';

/** A state change that happened: the incident after it, and the messages it queued. */
export interface AppliedTransition {
  incidentId: number;
  key: string;
  transition: Transition;
  severity: Severity;
  revision: number;
  body: MessageBody;
  /** alerts.id of each queued message (one per channel) */
  alertIds: number[];
}

export interface IncidentStoreSettings {
  /** who applies findings (`ingest`, `monitor`): incident_events.source */
  source: string;
  /** also queue a mail message per transition (ALERT_MAIL_TOPIC configured) */
  mail: boolean;
}

interface StoredIncident extends IncidentState {
  id: number;
  openedAt: string;
}

const MAX_RACES = 3;

/**
 * Incidents and their one-message-per-change outbox (migrations/0008). Applying a finding reads the incident,
 * decides the transition (core/incidents.ts) and writes it with a conditional write: a new incident is an
 * INSERT IGNORE on its unique key, a change an UPDATE … WHERE revision = <read>. Of two runs deciding the same
 * change, exactly one writes it; the other re-reads and finds nothing left to do. The transition, its event row
 * and its messages commit together.
 */
export class IncidentStore {
  constructor(private readonly settings: IncidentStoreSettings) {}

  /**
   * Apply a finding in its own transaction. Writers racing on one incident can deadlock (InnoDB picks a victim);
   * that is an expected outcome of the race, so the victim simply tries again, a few times.
   */
  async apply(pool: Pool, finding: IncidentFinding, now: Date): Promise<AppliedTransition | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await inTransaction(pool, (conn) => this.applyIn(conn, finding, now));
      } catch (error) {
        if (attempt >= MAX_RACES || !isDeadlock(error)) throw error;
      }
    }
  }

  /** Apply a finding inside the caller's transaction (ingest's load or settle transaction). */
  async applyIn(
    conn: PoolConnection,
    finding: IncidentFinding,
    now: Date,
  ): Promise<AppliedTransition | undefined> {
    for (let race = 0; race < MAX_RACES; race++) {
      const current = await this.read(conn, finding.key, race > 0);
      const decision = decideTransition(current, finding.verdict);
      if (decision === undefined) return undefined;
      const revision = (current?.revision ?? 0) + 1;
      const openedAt = current?.openedAt ?? sqlTime(now);
      const body = formatMessage(
        finding,
        decision.transition,
        decision.severity,
        { id: current?.id ?? 0, key: finding.key, revision, openedAt: isoOfSqlTime(openedAt) },
        now,
      );
      const id =
        current === undefined
          ? await this.insert(conn, finding, body, now)
          : await this.update(conn, current, decision, body, now);
      if (id === undefined) continue; // another run changed it first: read again and decide again
      body.incident.id = id;
      const alertIds = await this.queue(conn, id, finding, decision.transition, decision.severity, body, now);
      return { incidentId: id, key: finding.key, ...decision, revision, body, alertIds };
    }
    return undefined;
  }

  /** A plain read first; after a lost race a locking read, which sees the latest committed version. */
  private async read(db: Queryable, key: string, locking: boolean): Promise<StoredIncident | undefined> {
    const [r] = await selectRows(
      db,
      `SELECT id, state, severity, revision, opened_at FROM incidents WHERE incident_key = ?${locking ? ' FOR UPDATE' : ''}`,
      [key],
    );
    if (r === undefined) return undefined;
    return {
      id: Number(r.id),
      state: r.state === 'resolved' ? 'resolved' : 'open',
      severity: r.severity === 'error' ? 'error' : 'warn',
      revision: Number(r.revision),
      openedAt: String(r.opened_at),
    };
  }

  private async insert(
    conn: PoolConnection,
    f: IncidentFinding,
    body: MessageBody,
    now: Date,
  ): Promise<number | undefined> {
    const result = await insertRow(
      conn,
      `INSERT IGNORE INTO incidents (incident_key, check_name, subject, dataset, trading_day, batch_id, code, state,
         severity, revision, summary, detail, opened_at, escalated_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, 1, ?, ?, ?, ?, ?)`,
      [
        f.key,
        f.check,
        f.subject.slice(0, 128),
        f.dataset ?? null,
        f.tradingDay ?? null,
        f.batchId ?? null,
        f.code ?? null,
        body.severity,
        body.summary,
        JSON.stringify(body),
        sqlTime(now),
        body.severity === 'error' ? sqlTime(now) : null,
        sqlTime(now),
      ],
    );
    return result.affectedRows === 1 ? result.insertId : undefined;
  }

  private async update(
    conn: PoolConnection,
    current: StoredIncident,
    d: { transition: Transition; state: IncidentState['state']; severity: Severity },
    body: MessageBody,
    now: Date,
  ): Promise<number | undefined> {
    const at = sqlTime(now);
    const n = await execute(
      conn,
      `UPDATE incidents SET state = ?, severity = ?, revision = revision + 1, summary = ?, detail = ?,
         escalated_at = CASE WHEN ? = 'escalated' OR (? = 'reopened' AND ? = 'error') THEN ? ELSE escalated_at END,
         resolved_at = CASE WHEN ? = 'resolved' THEN ? ELSE NULL END,
         opened_at = CASE WHEN ? = 'reopened' THEN ? ELSE opened_at END, updated_at = ?
       WHERE id = ? AND revision = ?`,
      [
        d.state,
        d.severity,
        body.summary,
        JSON.stringify(body),
        d.transition,
        d.transition,
        d.severity,
        at,
        d.transition,
        at,
        d.transition,
        at,
        at,
        current.id,
        current.revision,
      ],
    );
    return n === 1 ? current.id : undefined;
  }

  private async queue(
    conn: PoolConnection,
    incidentId: number,
    f: IncidentFinding,
    transition: Transition,
    severity: Severity,
    body: MessageBody,
    now: Date,
  ): Promise<number[]> {
    await execute(
      conn,
      `INSERT INTO incident_events (incident_id, revision, transition, severity, at, source, summary)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [
        incidentId,
        body.incident.revision,
        transition,
        severity,
        sqlTime(now),
        this.settings.source,
        body.summary,
      ],
    );
    const channels: Array<'topic' | 'mail'> = this.settings.mail ? ['topic', 'mail'] : ['topic'];
    const ids: number[] = [];
    for (const channel of channels) {
      const result = await insertRow(
        conn,
        `INSERT INTO alerts (dedupe_key, code, severity, dataset, trading_day, batch_id, summary, detail, occurrences,
           first_at, last_at, incident_id, transition, channel)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), ?, ?, ?)`,
        [
          messageKey(f.key, body.incident.revision, channel),
          (f.code ?? f.check).slice(0, 64),
          severity,
          f.dataset ?? null,
          f.tradingDay ?? null,
          f.batchId ?? null,
          body.summary,
          JSON.stringify(body),
          incidentId,
          transition,
          channel,
        ],
      );
      ids.push(result.insertId);
    }
    return ids;
  }
}

function isDeadlock(error: unknown): boolean {
  const details = (error as { details?: { errno?: number } }).details;
  return details?.errno === 1213 || details?.errno === 1205;
}
