import type { RowDataPacket } from 'mysql2/promise';
import type { MessageBody } from '../../core/incident-message.js';
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
  return rows.map((r: RowDataPacket) => ({
    key: String(r.incident_key),
    check: String(r.check_name),
    subject: String(r.subject),
    dataset: r.dataset ?? null,
    tradingDay: r.trading_day ?? null,
    batchId: r.batch_id ?? null,
    code: r.code ?? null,
    detail: parseDetail(r.detail),
  }));
}

function parseDetail(text: unknown): MessageBody | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text) as MessageBody;
  } catch {
    return undefined;
  }
}
