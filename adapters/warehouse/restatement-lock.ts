import type { PoolConnection } from 'mysql2/promise';
import { TransientError } from '../../core/errors.js';
import { quoteId } from './pool.js';
import { factorTableName } from './registry.js';
import type { ReplaceScope } from './restatement.js';
import { selectRows } from './sql.js';

/**
 * Restatements of one table run one at a time. Two restatements of adjacent date ranges (a long push split into
 * batches, agent/split, restated as a whole) take next-key locks across each other's boundary when they copy and
 * delete their ranges under REPEATABLE READ, and InnoDB answers with deadlocks, one batch after the other, until
 * FC's retries run out (test/deploy/binlog.test.ts saw 32 in one run). A named lock per table (GET_LOCK: MySQL 8
 * and MariaDB alike, held by the load's connection) queues them instead; first loads of new dates need no
 * lock and still run side by side. Waiting longer than `timeoutSeconds` is transient: FC retries later.
 */
export const RESTATEMENT_LOCK_SECONDS = 600;

/** Does the scope's date range hold rows already (a plain, non-locking read before the transaction)? */
export async function restates(conn: PoolConnection, scope: ReplaceScope): Promise<boolean> {
  const [sql, params] =
    scope.kind === 'factors'
      ? [
          `SELECT 1 AS x FROM ${quoteId(factorTableName(scope.dataset))} WHERE trade_date BETWEEN ? AND ? LIMIT 1`,
          [scope.start, scope.end],
        ]
      : [
          'SELECT 1 AS x FROM trading_calendar WHERE calendar = ? AND trade_date BETWEEN ? AND ? LIMIT 1',
          [scope.calendar, scope.start, scope.end],
        ];
  try {
    return (await selectRows(conn, sql, params)).length > 0;
  } catch (error) {
    // A dataset whose table is created with its first batch has nothing to restate.
    if ((error as { code?: string }).code === 'ER_NO_SUCH_TABLE') return false;
    throw error;
  }
}

function lockName(scope: ReplaceScope): string {
  return scope.kind === 'factors' ? `qlib_restate:f:${scope.dataset}` : `qlib_restate:c:${scope.calendar}`;
}

/** Take the table's restatement lock on this connection; returns its releaser. */
export async function lockRestatement(
  conn: PoolConnection,
  scope: ReplaceScope,
  timeoutSeconds = RESTATEMENT_LOCK_SECONDS,
): Promise<() => Promise<void>> {
  const name = lockName(scope);
  const [row] = await selectRows(conn, 'SELECT GET_LOCK(?, ?) AS got', [name, timeoutSeconds]);
  if (Number(row?.got) !== 1)
    throw new TransientError(
      'RESTATEMENT_LOCK_TIMEOUT',
      `another restatement of ${name.slice(15)} held the table for over ${timeoutSeconds} s`,
    );
  // A connection that dies releases the lock with its session; a healthy one goes back to the pool, so release.
  return async () => {
    await selectRows(conn, 'SELECT RELEASE_LOCK(?) AS released', [name]).catch(() => undefined);
  };
}
