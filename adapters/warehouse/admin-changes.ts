import type { PoolConnection } from 'mysql2/promise';
import type { Pool } from './pool.js';
import { executePrepared, type Param, selectPrepared } from './prepared.js';
import { inTransaction, type Queryable } from './sql.js';

/** One admin_changes row (migrations/0009_api.sql): who changed which setting of what, when, from what to what. */
export interface ChangeRecord {
  id: number;
  subjectKind: 'dataset' | 'market';
  subject: string;
  at: string;
  actor: string;
  setting: string;
  before: unknown;
  after: unknown;
  note: string | null;
  requestId: string | null;
}

export interface Actor {
  /** The token's name. */
  name: string;
  requestId: string;
  note?: string;
}

/** The settings of a dataset an admin may change, as datasets stores them. */
export interface DatasetSettings {
  contract: 'evolve' | 'freeze';
  /** datasets.rules (JSON text) or null for the defaults. */
  rules: string | null;
  calendar: string | null;
  retired: boolean;
}

const SETTING_SQL: Record<keyof DatasetSettings, string> = {
  contract: 'contract = ?',
  rules: 'rules = ?',
  calendar: 'calendar = ?',
  retired: 'retired_at = IF(?, UTC_TIMESTAMP(3), NULL)',
};

/**
 * Apply the settings in `patch` that differ from the dataset's, each with its admin_changes row, in one
 * transaction (the dataset row locked): every change is recorded, and a change that is not recorded did not
 * happen. Ingest reads these settings (contract, rules, calendar, retired) for every batch it loads.
 * Returns the recorded changes, or undefined when the dataset does not exist.
 */
export async function changeDataset(
  pool: Pool,
  dataset: string,
  patch: Partial<DatasetSettings>,
  actor: Actor,
): Promise<ChangeRecord[] | undefined> {
  return inTransaction(pool, async (conn) => {
    const [row] = await selectPrepared(
      conn,
      'SELECT contract, rules, calendar, retired_at FROM datasets WHERE dataset = ? FOR UPDATE',
      [dataset],
    );
    if (row === undefined) return undefined;
    const current: DatasetSettings = {
      contract: row.contract === 'freeze' ? 'freeze' : 'evolve',
      rules: row.rules ?? null,
      calendar: row.calendar ?? null,
      retired: row.retired_at !== null,
    };
    const ids: number[] = [];
    for (const key of Object.keys(SETTING_SQL) as (keyof DatasetSettings)[]) {
      const after = patch[key];
      if (after === undefined || after === current[key]) continue;
      const value: Param = typeof after === 'boolean' ? Number(after) : after;
      await executePrepared(
        conn,
        `UPDATE datasets SET ${SETTING_SQL[key]}, updated_at = UTC_TIMESTAMP(3) WHERE dataset = ?`,
        [value, dataset],
      );
      ids.push(
        await recordChange(conn, 'dataset', dataset, key, shown(key, current[key]), shown(key, after), actor),
      );
    }
    return ids.length === 0 ? [] : changesByIds(conn, ids);
  });
}

/** Append one change (inside the caller's transaction); its id. */
export async function recordChange(
  conn: PoolConnection,
  kind: ChangeRecord['subjectKind'],
  subject: string,
  setting: string,
  before: unknown,
  after: unknown,
  actor: Actor,
): Promise<number> {
  await executePrepared(
    conn,
    `INSERT INTO admin_changes (subject_kind, subject, at, actor, setting, before_json, after_json, note, request_id)
     VALUES (?, ?, UTC_TIMESTAMP(3), ?, ?, ?, ?, ?, ?)`,
    [kind, subject, actor.name, setting, json(before), json(after), actor.note ?? null, actor.requestId],
  );
  const [row] = await selectPrepared(conn, 'SELECT LAST_INSERT_ID() AS id');
  return Number(row?.id);
}

/** The changes of one subject, newest first. */
export async function changesOf(
  db: Queryable,
  kind: ChangeRecord['subjectKind'],
  subject: string,
  limit = 100,
): Promise<ChangeRecord[]> {
  const rows = await selectPrepared(
    db,
    `SELECT * FROM admin_changes WHERE subject_kind = ? AND subject = ? ORDER BY id DESC LIMIT ?`,
    [kind, subject, limit],
  );
  return rows.map(toRecord);
}

async function changesByIds(db: Queryable, ids: number[]): Promise<ChangeRecord[]> {
  const rows = await selectPrepared(
    db,
    `SELECT * FROM admin_changes WHERE id IN (${ids.map(() => '?').join(', ')}) ORDER BY id`,
    ids,
  );
  return rows.map(toRecord);
}

function toRecord(r: Record<string, unknown>): ChangeRecord {
  return {
    id: Number(r.id),
    subjectKind: r.subject_kind === 'market' ? 'market' : 'dataset',
    subject: String(r.subject),
    at: String(r.at),
    actor: String(r.actor),
    setting: String(r.setting),
    before: parse(r.before_json),
    after: parse(r.after_json),
    note: (r.note as string | null) ?? null,
    requestId: (r.request_id as string | null) ?? null,
  };
}

/** Rules are JSON text in datasets: the change log keeps the document itself, not a string of it. */
function shown(key: keyof DatasetSettings, value: unknown): unknown {
  return key === 'rules' && typeof value === 'string' ? parse(value) : value;
}

function json(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

function parse(text: unknown): unknown {
  if (typeof text !== 'string') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
