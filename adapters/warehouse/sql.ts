import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { translateMysqlError } from './errors.js';

/** Anything that runs a statement: the pool (autocommit) or one connection (inside a transaction). */
export type Queryable = Pool | PoolConnection;

/** Rows of a SELECT, vendor errors translated. */
export async function selectRows(
  db: Queryable,
  sql: string,
  values: unknown[] = [],
): Promise<RowDataPacket[]> {
  try {
    const [rows] = await db.query<RowDataPacket[]>(sql, values);
    return rows;
  } catch (error) {
    throw translateMysqlError(error, firstWords(sql));
  }
}

/** Affected rows of a write, vendor errors translated. */
export async function execute(db: Queryable, sql: string, values: unknown[] = []): Promise<number> {
  try {
    const [result] = await db.query<ResultSetHeader>(sql, values);
    return result.affectedRows;
  } catch (error) {
    throw translateMysqlError(error, firstWords(sql));
  }
}

/** An INSERT's affected rows and the AUTO_INCREMENT id it generated, vendor errors translated. */
export async function insertRow(
  db: Queryable,
  sql: string,
  values: unknown[] = [],
): Promise<{ affectedRows: number; insertId: number }> {
  try {
    const [result] = await db.query<ResultSetHeader>(sql, values);
    return { affectedRows: result.affectedRows, insertId: result.insertId };
  } catch (error) {
    throw translateMysqlError(error, firstWords(sql));
  }
}

/**
 * Run `work` in one transaction on its own connection: commit when it resolves, roll back when it throws.
 * The connection goes back to the pool either way (destroyed if the rollback itself failed: its state is unknown).
 */
export async function inTransaction<T>(pool: Pool, work: (conn: PoolConnection) => Promise<T>): Promise<T> {
  const conn = await connect(pool);
  let healthy = true;
  try {
    await execute(conn, 'START TRANSACTION');
    const result = await work(conn);
    await execute(conn, 'COMMIT');
    return result;
  } catch (error) {
    healthy = await rollback(conn);
    throw error;
  } finally {
    if (healthy) conn.release();
    else conn.destroy();
  }
}

/** A connection from the pool, translated errors. */
export async function connect(pool: Pool): Promise<PoolConnection> {
  try {
    return await pool.getConnection();
  } catch (error) {
    throw translateMysqlError(error, 'connect to MySQL');
  }
}

/** Roll back; false when even that failed (the connection is then unusable). */
export async function rollback(conn: PoolConnection): Promise<boolean> {
  try {
    await conn.query('ROLLBACK');
    return true;
  } catch {
    return false;
  }
}

/** True for MySQL's duplicate-key error (1062), which several writes expect as an answer. */
export function isDuplicateKey(error: unknown): boolean {
  const e = error as { code?: string; errno?: number; cause?: unknown };
  if (e?.code === 'ER_DUP_ENTRY' || e?.errno === 1062) return true;
  return e?.cause !== undefined && e.cause !== error && isDuplicateKey(e.cause);
}

function firstWords(sql: string): string {
  return sql.trim().split(/\s+/).slice(0, 4).join(' ');
}

/** A JS instant as DATETIME(3) text in UTC (the pool's session time zone is +00:00). */
export function sqlTime(at: Date): string {
  return at.toISOString().replace('T', ' ').replace('Z', '');
}

/** DATETIME(3) text as mysql2 returns it with dateStrings ('2026-11-26 18:00:00.123') in ISO 8601 UTC. */
export function isoOfSqlTime(datetime: string): string {
  return datetime.includes('T')
    ? datetime
    : `${datetime.replace(' ', 'T')}${datetime.includes('.') ? '' : '.000'}Z`;
}
