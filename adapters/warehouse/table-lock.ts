import type { PoolConnection } from 'mysql2/promise';
import { TransientError } from '../../core/errors.js';
import type { ReplaceScope } from './restatement.js';
import { selectRows } from './sql.js';

/**
 * Loads of one table run one at a time. Two loads of adjacent date ranges deadlock under REPEATABLE READ: a
 * restatement's copy-and-delete takes next-key locks across the other's boundary, and even two first loads of a
 * split history do — each reads its range with a locking read (the days it replaces, DATE_MISSING) and so holds
 * the gap lock at the end of the table that the other's inserts need (test/deploy/binlog.test.ts saw both).
 * InnoDB answers with deadlocks, one batch after the other, until FC's retries run out. A named lock per table
 * (GET_LOCK: MySQL 8 and MariaDB alike, held by the load's connection) queues them instead. Loads of one table
 * share its primary key's last page anyway, so little parallelism is lost. Waiting longer than `timeoutSeconds`
 * is transient: FC retries later.
 */
export const TABLE_LOCK_SECONDS = 600;

function lockName(scope: ReplaceScope): string {
  return scope.kind === 'factors' ? `qlib_load:f:${scope.dataset}` : `qlib_load:c:${scope.calendar}`;
}

/** Take the table's load lock on this connection; returns its releaser. */
export async function lockTable(
  conn: PoolConnection,
  scope: ReplaceScope,
  timeoutSeconds = TABLE_LOCK_SECONDS,
): Promise<() => Promise<void>> {
  const name = lockName(scope);
  const [row] = await selectRows(conn, 'SELECT GET_LOCK(?, ?) AS got', [name, timeoutSeconds]);
  if (Number(row?.got) !== 1)
    throw new TransientError(
      'TABLE_LOCK_TIMEOUT',
      `another load of ${name.slice(12)} held the table for over ${timeoutSeconds} s`,
    );
  // A connection that dies releases the lock with its session; a healthy one goes back to the pool, so release.
  return async () => {
    await selectRows(conn, 'SELECT RELEASE_LOCK(?) AS released', [name]).catch(() => undefined);
  };
}
