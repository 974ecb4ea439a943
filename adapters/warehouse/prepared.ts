import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { translateMysqlError } from './errors.js';
import type { Queryable } from './sql.js';

/**
 * Server-side prepared statements (COM_STMT_PREPARE/EXECUTE, the binary protocol) for everything the HTTP API
 * reads and writes: the statement text never holds a value, and FLOAT columns arrive bit-exact (the text
 * protocol prints them with 6 digits). mysql2 caches each statement per connection.
 * Identifiers come only from the registry and are quoted with quoteId (adapters/warehouse/pool.ts).
 */
export type Param = string | number | null;

/** Rows as objects. */
export async function selectPrepared(
  db: Queryable,
  sql: string,
  values: Param[] = [],
): Promise<RowDataPacket[]> {
  try {
    const [rows] = await db.execute<RowDataPacket[]>(sql, values);
    return rows;
  } catch (error) {
    throw translateMysqlError(error, firstWords(sql));
  }
}

/** Affected rows of a write. */
export async function executePrepared(db: Queryable, sql: string, values: Param[] = []): Promise<number> {
  try {
    const [result] = await db.execute<ResultSetHeader>(sql, values);
    return result.affectedRows;
  } catch (error) {
    throw translateMysqlError(error, firstWords(sql));
  }
}

/** `?, ?, ?` for a list. */
export function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

function firstWords(sql: string): string {
  return sql.trim().split(/\s+/).slice(0, 4).join(' ');
}
