import { TerminalError, TransientError } from '../../core/errors.js';

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

/**
 * MySQL refusing a table's shape: 1117 ER_TOO_MANY_FIELDS, 1118 ER_TOO_BIG_ROWSIZE, 1059 ER_TOO_LONG_IDENT,
 * 1060 ER_DUP_FIELDNAME, 1166 ER_WRONG_COLUMN_NAME, 1103 ER_WRONG_TABLE_NAME, and 1005 ER_CANT_CREATE_TABLE when
 * InnoDB says why in its message ("Too many columns", "Too big row"). The batch asked for a table MySQL cannot
 * build: bad input, never a bug to retry (docs/ingest.md).
 */
const SCHEMA_ERRNOS = new Set([1059, 1060, 1103, 1117, 1118, 1166]);

function isSchemaRefusal(errno: number | undefined, message: string): boolean {
  if (errno !== undefined && SCHEMA_ERRNOS.has(errno)) return true;
  return errno === 1005 && /too many columns|too big row/i.test(message);
}

/**
 * Turn a mysql2 error into a TransientError when it is one, or a TerminalError SCHEMA_REFUSED when MySQL refused
 * the shape of a table; return anything else unchanged.
 */
export function translateMysqlError(error: unknown, what: string): unknown {
  if (!(error instanceof Error)) return error;
  const { code, errno, fatal } = error as Error & { code?: string; errno?: number; fatal?: boolean };
  if (isSchemaRefusal(errno, error.message)) {
    return new TerminalError('SCHEMA_REFUSED', `${what}: MySQL refused the table: ${error.message}`, {
      cause: error,
      details: { code, errno },
    });
  }
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

/** Run `fn`, translating what it throws. */
export async function translating<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw translateMysqlError(error, what);
  }
}

/**
 * A deadlock (1213, the transaction was rolled back) or a lock wait timeout (1205): MySQL's answers to
 * transactions that want the same rows at once. Known and retryable: InnoDB expects the application to run the
 * transaction again (https://dev.mysql.com/doc/refman/8.0/en/innodb-deadlocks-handling.html).
 */
export function isLockConflict(error: unknown): boolean {
  for (let e = error as { code?: string; errno?: number; cause?: unknown } | undefined; e; ) {
    if (e.errno === 1213 || e.errno === 1205) return true;
    if (e.code === 'ER_LOCK_DEADLOCK' || e.code === 'ER_LOCK_WAIT_TIMEOUT') return true;
    const details = (e as { details?: { errno?: number } }).details;
    if (details?.errno === 1213 || details?.errno === 1205) return true;
    e = e.cause === e ? undefined : (e.cause as typeof e);
  }
  return false;
}
