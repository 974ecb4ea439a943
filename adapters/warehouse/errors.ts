import { TransientError } from '../../core/errors.js';

/**
 * MySQL/MariaDB errors that pass: connection loss, server restart, deadlock, lock wait, too many
 * connections. Translated here, at the boundary, into TransientError so callers decide by class alone.
 * https://dev.mysql.com/doc/mysql-errors/8.0/en/server-error-reference.html
 */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_LOCK_DEADLOCK', // 1213
  'ER_LOCK_WAIT_TIMEOUT', // 1205
  'ER_SERVER_SHUTDOWN', // 1053
  'ER_CON_COUNT_ERROR', // 1040
  'ER_CONNECTION_KILLED', // 1927 (MariaDB)
  'ER_QUERY_INTERRUPTED', // 1317
  'ER_CLIENT_INTERACTION_TIMEOUT', // 4031 (MySQL 8)
]);
const TRANSIENT_ERRNOS = new Set([1040, 1053, 1205, 1213, 1317, 1927, 2002, 2003, 2006, 2013, 4031]);

/** Turn a mysql2 error into a TransientError when it is one; return anything else unchanged. */
export function translateMysqlError(error: unknown, what: string): unknown {
  if (!(error instanceof Error)) return error;
  const { code, errno, fatal } = error as Error & { code?: string; errno?: number; fatal?: boolean };
  const transient =
    (code !== undefined && TRANSIENT_CODES.has(code)) || (errno !== undefined && TRANSIENT_ERRNOS.has(errno));
  if (transient || (fatal === true && code !== undefined && code.startsWith('PROTOCOL_'))) {
    return new TransientError('MYSQL_UNAVAILABLE', `${what}: ${error.message}`, {
      cause: error,
      details: { code, errno },
    });
  }
  return error;
}

/**
 * The transaction's row images outgrew max_binlog_cache_size (ER_TRANS_CACHE_FULL, 1197; the same code in MySQL 8
 * and MariaDB). Deterministic for a given batch and server: retrying cannot help, a smaller batch can.
 * https://dev.mysql.com/doc/refman/8.0/en/replication-options-binary-log.html#sysvar_max_binlog_cache_size
 */
export function isBinlogCacheFull(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const { code, errno } = e as Error & { code?: string; errno?: number };
    if (code === 'ER_TRANS_CACHE_FULL' || errno === 1197) return true;
  }
  return false;
}

/** Run `fn`, translating what it throws. */
export async function translating<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw translateMysqlError(error, what);
  }
}
