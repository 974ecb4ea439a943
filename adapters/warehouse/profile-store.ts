import type { PoolConnection } from 'mysql2/promise';
import type { ColumnProfile, DayProfile } from '../../core/drift/profile.js';
import { execute, type Queryable, selectRows } from './sql.js';

/**
 * dataset_profiles (migrations/0008): one row per dataset and trading day, written in the load transaction (a
 * restatement replaces its days' rows), read by the monitor's drift check. Columns are stored compactly as
 * `{"<column>": [n, nulls, mean, std]}` (158 columns ≈ 10 KB a day).
 */
export async function recordProfiles(
  conn: PoolConnection,
  dataset: string,
  batchId: string,
  profiles: readonly DayProfile[],
): Promise<void> {
  for (let i = 0; i < profiles.length; i += 100) {
    const chunk = profiles.slice(i, i + 100);
    await execute(
      conn,
      `INSERT INTO dataset_profiles (dataset, trade_date, batch_id, row_count, columns_json, profiled_at)
       VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, UTC_TIMESTAMP(3))').join(', ')}
       ON DUPLICATE KEY UPDATE batch_id = VALUES(batch_id), row_count = VALUES(row_count),
         columns_json = VALUES(columns_json), profiled_at = VALUES(profiled_at)`,
      chunk.flatMap((p) => [dataset, p.date, batchId, p.rows, compact(p.columns)]),
    );
  }
}

/** The dataset's latest `limit` profiled days on or before `upTo`, newest first. */
export async function recentProfiles(
  db: Queryable,
  dataset: string,
  upTo: string,
  limit: number,
): Promise<DayProfile[]> {
  const rows = await selectRows(
    db,
    `SELECT trade_date, row_count, columns_json FROM dataset_profiles
      WHERE dataset = ? AND trade_date <= ? ORDER BY trade_date DESC LIMIT ?`,
    [dataset, upTo, limit],
  );
  return rows.map((r) => ({
    date: String(r.trade_date),
    rows: Number(r.row_count),
    columns: expand(String(r.columns_json)),
  }));
}

function compact(columns: Record<string, ColumnProfile>): string {
  const out: Record<string, [number, number, number | null, number | null]> = {};
  for (const [name, c] of Object.entries(columns)) out[name] = [c.n, c.nulls, c.mean, c.std];
  return JSON.stringify(out);
}

function expand(text: string): Record<string, ColumnProfile> {
  const parsed = JSON.parse(text) as Record<string, [number, number, number | null, number | null]>;
  const out: Record<string, ColumnProfile> = {};
  for (const [name, [n, nulls, mean, std]] of Object.entries(parsed)) out[name] = { n, nulls, mean, std };
  return out;
}
