import type { PoolConnection } from 'mysql2/promise';
import { quoteId } from './pool.js';
import { factorTableName, historyTableName } from './registry.js';
import { execute, selectRows } from './sql.js';

/** The dates a batch owns: a batch is the full cross-section of its date range, so it replaces what is there. */
export type ReplaceScope =
  | { kind: 'factors'; dataset: string; columns: readonly string[]; start: string; end: string }
  | { kind: 'calendar'; calendar: string; start: string; end: string };

/** A batch whose rows a restatement replaced, and how many. */
export interface Predecessor {
  batchId: string;
  rows: number;
}

/** What a restatement replaced: the batches (most recent first) and the days it deleted. */
export interface Replaced {
  predecessors: Predecessor[];
  /** The dates the table held in the scope, ascending: the batch must bring rows for each (DATE_MISSING). */
  days: string[];
}

/**
 * Inside the load transaction, before the new rows go in: find the batches that loaded rows in the scope's
 * dates, keep those rows in `<table>__history` (factors) and delete them. Readers keep seeing the old rows
 * (InnoDB MVCC) until the load commits. The first read locks what it reads (FOR UPDATE), so the days it reports
 * are exactly the days the DELETE removes, whatever other transactions do meanwhile.
 *
 * The predecessors' loaded_contents rows go too: "identical content" means identical to what the table holds
 * now, and a replaced batch's bytes no longer are. Pushing them again (A, then B, then A's bytes under a new id)
 * is a restatement with history, not a duplicate of A.
 */
export async function replaceScope(
  conn: PoolConnection,
  scope: ReplaceScope,
  batchId: string,
): Promise<Replaced> {
  const { table, where, params } = scopeSql(scope);
  const rows = await selectRows(
    conn,
    `SELECT trade_date, batch_id, COUNT(*) AS n FROM ${quoteId(table)} WHERE ${where}
      GROUP BY trade_date, batch_id FOR UPDATE`,
    params,
  );
  const byBatch = new Map<string, number>();
  for (const r of rows) byBatch.set(String(r.batch_id), (byBatch.get(String(r.batch_id)) ?? 0) + Number(r.n));
  const predecessors = [...byBatch.entries()]
    .map(([id, n]) => ({ batchId: id, rows: n }))
    .sort((a, b) => (a.batchId < b.batchId ? 1 : a.batchId > b.batchId ? -1 : 0));
  const days = [...new Set(rows.map((r) => String(r.trade_date)))].sort();
  if (predecessors.length === 0) return { predecessors, days };
  if (scope.kind === 'factors') {
    const columns = ['trade_date', 'instrument', ...scope.columns, 'batch_id'].map(quoteId).join(', ');
    await execute(
      conn,
      `INSERT INTO ${quoteId(historyTableName(scope.dataset))} (${columns}, superseded_by, superseded_at)
       SELECT ${columns}, ?, UTC_TIMESTAMP(3) FROM ${quoteId(table)} WHERE ${where}`,
      [batchId, ...params],
    );
  }
  await execute(conn, `DELETE FROM ${quoteId(table)} WHERE ${where}`, params);
  await execute(conn, 'DELETE FROM loaded_contents WHERE dataset = ? AND batch_id IN (?)', [
    scope.kind === 'factors' ? scope.dataset : scope.calendar,
    predecessors.map((p) => p.batchId),
  ]);
  return { predecessors, days };
}

function scopeSql(scope: ReplaceScope): { table: string; where: string; params: unknown[] } {
  if (scope.kind === 'factors') {
    return {
      table: factorTableName(scope.dataset),
      where: 'trade_date BETWEEN ? AND ?',
      params: [scope.start, scope.end],
    };
  }
  return {
    table: 'trading_calendar',
    where: 'calendar = ? AND trade_date BETWEEN ? AND ?',
    params: [scope.calendar, scope.start, scope.end],
  };
}
