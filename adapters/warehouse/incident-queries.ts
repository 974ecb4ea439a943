import type { RowDataPacket } from 'mysql2/promise';
import type { MessageBody } from '../../core/incident-message.js';
import { type Param, selectPrepared } from './prepared.js';
import { type Queryable, selectRows } from './sql.js';

/** An open incident as the monitor re-evaluates it. */
export interface OpenIncident {
  key: string;
  check: string;
  subject: string;
  dataset: string | null;
  tradingDay: string | null;
  batchId: string | null;
  code: string | null;
  detail: MessageBody | undefined;
}

/** Open incidents of some checks (the monitor re-evaluates them to resolve what has cleared). */
export async function openIncidents(
  db: Queryable,
  checks: readonly string[],
  limit = 500,
): Promise<OpenIncident[]> {
  if (checks.length === 0) return [];
  const rows = await selectRows(
    db,
    `SELECT incident_key, check_name, subject, dataset, trading_day, batch_id, code, detail FROM incidents
      WHERE state = 'open' AND check_name IN (?) ORDER BY id LIMIT ?`,
    [checks, limit],
  );
  return rows.map(openIncidentOf);
}

/** The fields every incident row shares, as the monitor and the API read them. */
function openIncidentOf(r: RowDataPacket): OpenIncident {
  return {
    key: String(r.incident_key),
    check: String(r.check_name),
    subject: String(r.subject),
    dataset: r.dataset ?? null,
    tradingDay: r.trading_day ?? null,
    batchId: r.batch_id ?? null,
    code: r.code ?? null,
    detail: parseDetail(r.detail),
  };
}

function parseDetail(text: unknown): MessageBody | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text) as MessageBody;
  } catch {
    return undefined;
  }
}

/** An incident as the HTTP API lists it (times are UTC DATETIME text). */
export interface IncidentRow extends OpenIncident {
  id: number;
  state: string;
  severity: string;
  revision: number;
  summary: string;
  openedAt: string;
  escalatedAt: string | null;
  resolvedAt: string | null;
  updatedAt: string;
}

/**
 * Incidents newest first (by id), filtered by state, dataset and the time of their last change; keyset paged on
 * id (`beforeId`). Prepared statements: every value is a parameter (ix_incidents_state, ix_incidents_dataset).
 */
export async function listIncidents(
  db: Queryable,
  filter: { state?: string; dataset?: string; since?: string; beforeId?: number; limit: number },
): Promise<IncidentRow[]> {
  const where: string[] = [];
  const values: Param[] = [];
  const add = (sql: string, value: Param | undefined) => {
    if (value === undefined) return;
    where.push(sql);
    values.push(value);
  };
  add('state = ?', filter.state);
  add('dataset = ?', filter.dataset);
  add('updated_at >= ?', filter.since);
  add('id < ?', filter.beforeId);
  const rows = await selectPrepared(
    db,
    `SELECT id, incident_key, check_name, subject, dataset, DATE_FORMAT(trading_day, '%Y-%m-%d') AS trading_day,
            batch_id, code, state, severity, revision, summary, detail, opened_at, escalated_at, resolved_at, updated_at
       FROM incidents ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
      ORDER BY id DESC LIMIT ?`,
    [...values, filter.limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    ...openIncidentOf(r),
    state: String(r.state),
    severity: String(r.severity),
    revision: Number(r.revision),
    summary: String(r.summary),
    openedAt: String(r.opened_at),
    escalatedAt: r.escalated_at ?? null,
    resolvedAt: r.resolved_at ?? null,
    updatedAt: String(r.updated_at),
  }));
}
