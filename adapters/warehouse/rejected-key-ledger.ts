import type { Pool } from 'mysql2/promise';
import type { Ledger } from './ledger.js';
import { execute, inTransaction } from './sql.js';

const NOW = 'UTC_TIMESTAMP(3)';

/**
 * A batch whose key is invalid (KEY_INVALID) but whose id segment is a batch id nobody holds: a ledger row of its
 * own, `rejected` at once (migrations/0002, 0006: the facts a manifest would give stay NULL), so the batch is on
 * record like any other. The kind and dataset are kept as the key spelled them, cut to their columns' widths.
 * False when the id is taken.
 */
export function recordRejectedKey(
  pool: Pool,
  ledger: Ledger,
  facts: { batchId: string; kind: string; dataset: string; manifestKey: string },
  rejection: { code: string; summary: string; detail: unknown },
): Promise<boolean> {
  return inTransaction(pool, async (conn) => {
    const n = await execute(
      conn,
      `INSERT IGNORE INTO batches (batch_id, kind, dataset, manifest_key, status, attempts, error_code,
         error_detail, summary, warnings, first_seen_at, started_at, finished_at, updated_at)
       VALUES (?, ?, ?, ?, 'rejected', 1, ?, ?, ?, '[]', ${NOW}, ${NOW}, ${NOW}, ${NOW})`,
      [
        facts.batchId,
        facts.kind.slice(0, 16),
        facts.dataset.slice(0, 48),
        facts.manifestKey.slice(0, 1024),
        rejection.code,
        rejection.summary,
        rejection.summary,
      ],
    );
    if (n === 1) {
      await ledger.record(conn, facts.batchId, {
        event: 'rejected',
        to: 'rejected',
        attempt: 1,
        detail: rejection.detail,
      });
    }
    return n === 1;
  });
}
