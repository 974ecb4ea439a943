import { translateMysqlError } from './errors.js';
import { type Pool, quoteId } from './pool.js';
import { type Param, placeholders, selectPrepared } from './prepared.js';
import { factorTableName, historyTableName } from './registry.js';
import { connect, type Queryable } from './sql.js';

/**
 * The values endpoint's reads (docs/api.md, "Paging"): rows of a factor table in (trade_date, instrument) order,
 * as of a snapshot, one date window at a time. Keyset, never OFFSET: a page costs the rows it returns.
 *
 * As of a snapshot S, a row is visible when its batch is not one loaded after S (`excluded`); a history row (kept
 * by a restatement, docs/ingest.md) is visible when a batch loaded after S replaced it and its own batch is not
 * one of those. Both together are the rows that were live when S was the latest batch, each key once.
 */
export interface ValuesSource {
  dataset: string;
  /** Registered column names (validated identifiers), in answer order. */
  columns: readonly string[];
  /** Only these instruments (an explicit list, or a market's members), or all. */
  instruments: readonly string[] | null;
  /** Batches loaded after the snapshot; empty: the table as it is. */
  excluded: readonly string[];
}

/** Where a read resumes: from a date on (first page), after a whole date, or after one row. */
export type Lower =
  | { kind: 'from'; date: string }
  | { kind: 'after'; date: string; instrument: string | null };

/**
 * Up to `limit` rows in (lower, upper], ordered ([trade_date, instrument, ...columns]), handed to `onRow` one by
 * one as they arrive (no result array: each row is garbage as soon as
 * it is written out, and MySQL sends the next while the caller formats this one). Resolves with the row count.
 */
export async function streamWindow(
  pool: Pool,
  source: ValuesSource,
  lower: Lower,
  upper: string,
  limit: number,
  onRow: (row: unknown[]) => void,
): Promise<number> {
  const q = windowQuery(source, lower, upper, limit);
  const conn = await connect(pool);
  let healthy = true;
  try {
    return await new Promise<number>((resolve, reject) => {
      let n = 0;
      let failure: unknown;
      const command = (conn.connection as unknown as RowEmitterConnection).execute(
        { sql: q.sql, rowsAsArray: true },
        q.params,
      );
      command.on('result', (row: unknown[]) => {
        n += 1;
        if (failure !== undefined) return;
        try {
          onRow(row);
        } catch (error) {
          failure = error; // a bug in the caller: the rest of the rows are read and dropped
        }
      });
      command.on('error', (error: unknown) => {
        healthy = false;
        reject(translateMysqlError(error, 'SELECT a values window'));
      });
      command.on('end', () => (failure === undefined ? resolve(n) : reject(failure)));
    });
  } finally {
    if (healthy) conn.release();
    else conn.destroy();
  }
}

/** mysql2's callback connection: execute() without a callback emits one 'result' per row. */
interface RowEmitterConnection {
  execute(options: { sql: string; rowsAsArray: boolean }, values: Param[]): NodeJS.EventEmitter;
}

/**
 * The rows MySQL expects to examine for a window (EXPLAIN's estimate, summed over the plan). EXPLAIN does not
 * count LIMIT, so this is what a read costs when the plan cannot stop early: a guard against a plan that would
 * scan far more than it returns (a table without its (instrument, trade_date) index, docs/api.md).
 */
export async function estimateWindow(
  db: Queryable,
  source: ValuesSource,
  lower: Lower,
  upper: string,
): Promise<number> {
  const q = windowQuery(source, lower, upper, 1);
  const plan = await selectPrepared(db, `EXPLAIN ${q.sql}`, q.params);
  return plan.reduce((sum, line) => sum + (Number(line.rows) || 0), 0);
}

function windowQuery(
  source: ValuesSource,
  lower: Lower,
  upper: string,
  limit: number,
): { sql: string; params: Param[] } {
  const select = ['trade_date', 'instrument', ...source.columns].map(quoteId).join(', ');
  const where = conditions(source, lower, upper);
  const order = 'ORDER BY trade_date, instrument LIMIT ?';
  const n = pageLimit(limit);
  const current = `SELECT ${select} FROM ${quoteId(factorTableName(source.dataset))} WHERE ${where.sql}${notExcluded(source)}`;
  if (source.excluded.length === 0) return { sql: `${current} ${order}`, params: [...where.params, n] };
  const history = `SELECT ${select} FROM ${quoteId(historyTableName(source.dataset))} WHERE ${where.sql}
    AND superseded_by IN (${placeholders(source.excluded.length)})${notExcluded(source)}`;
  return {
    sql: `(${current} ${order}) UNION ALL (${history} ${order}) ${order}`,
    params: [
      ...where.params,
      ...source.excluded,
      n,
      ...where.params,
      ...source.excluded,
      ...source.excluded,
      n,
      n,
    ],
  };
}

/** The first date with a visible row in (lower, upper], or null: lets a read skip an empty stretch at once. */
export async function nextDate(
  db: Queryable,
  source: ValuesSource,
  lower: Lower,
  upper: string,
): Promise<string | null> {
  const where = conditions(source, lower, upper);
  const tables = [
    { table: factorTableName(source.dataset), extra: notExcluded(source), params: [...source.excluded] },
  ];
  if (source.excluded.length > 0) {
    tables.push({
      table: historyTableName(source.dataset),
      extra: ` AND superseded_by IN (${placeholders(source.excluded.length)})${notExcluded(source)}`,
      params: [...source.excluded, ...source.excluded],
    });
  }
  let first: string | null = null;
  for (const t of tables) {
    const [row] = await selectPrepared(
      db,
      `SELECT trade_date FROM ${quoteId(t.table)} WHERE ${where.sql}${t.extra} ORDER BY trade_date LIMIT 1`,
      [...where.params, ...t.params],
    );
    const date = row === undefined ? null : String(row.trade_date);
    if (date !== null && (first === null || date < first)) first = date;
  }
  return first;
}

function conditions(source: ValuesSource, lower: Lower, upper: string): { sql: string; params: Param[] } {
  const parts: string[] = [];
  const params: Param[] = [];
  if (lower.kind === 'from') {
    parts.push('trade_date >= ?');
    params.push(lower.date);
  } else if (lower.instrument === null) {
    parts.push('trade_date > ?');
    params.push(lower.date);
  } else {
    // The range on trade_date alone is what an index can use; the rest of that first day is filtered.
    parts.push('trade_date >= ? AND (trade_date > ? OR instrument > ?)');
    params.push(lower.date, lower.date, lower.instrument);
  }
  parts.push('trade_date <= ?');
  params.push(upper);
  if (source.instruments !== null) {
    parts.push(`instrument IN (${placeholders(source.instruments.length)})`);
    params.push(...source.instruments);
  }
  return { sql: parts.join(' AND '), params };
}

function notExcluded(source: ValuesSource): string {
  return source.excluded.length === 0 ? '' : ` AND batch_id NOT IN (${placeholders(source.excluded.length)})`;
}

/** LIMIT as a parameter too: one prepared statement serves every page size. */
function pageLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`bad page limit ${limit}`);
  return limit;
}
