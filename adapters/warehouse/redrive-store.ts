import type { BatchKind } from '../../core/keys.js';
import { execute, isDuplicateKey, type Queryable, selectRows } from './sql.js';

/** A batch the ledger says is stuck: a `loading` lease that expired, or a `failed` attempt. */
export interface StuckBatch {
  batchId: string;
  kind: BatchKind;
  dataset: string;
  status: 'loading' | 'failed';
  manifestKey: string;
  attempts: number;
  errorCode: string | null;
  errorDetail: string | null;
}

/** What was done about a batch so far: how many re-drives, the last one's time (DB clock) and outcome. */
export interface RedriveHistory {
  count: number;
  lastAt: string | null;
  minutesSinceLast: number | null;
}

export type RedriveReason = 'lease_expired' | 'failed' | 'lost_event' | 'manual';

/**
 * Batches stuck for over `afterMinutes` (DB clock): `loading` whose lease expired that long ago (FC's own retries
 * had their chance), or `failed` that long ago. Oldest first, at most `limit`.
 */
export async function stuckBatches(
  db: Queryable,
  afterMinutes: number,
  limit: number,
): Promise<StuckBatch[]> {
  const rows = await selectRows(
    db,
    `SELECT batch_id, kind, dataset, status, manifest_key, attempts, error_code, error_detail FROM batches
      WHERE (status = 'loading' AND lease_expires_at <= UTC_TIMESTAMP(3) - INTERVAL ? MINUTE)
         OR (status = 'failed' AND updated_at <= UTC_TIMESTAMP(3) - INTERVAL ? MINUTE)
      ORDER BY updated_at LIMIT ?`,
    [afterMinutes, afterMinutes, limit],
  );
  return rows.map((r) => ({
    batchId: String(r.batch_id),
    kind: r.kind as BatchKind,
    dataset: String(r.dataset),
    status: r.status === 'failed' ? 'failed' : 'loading',
    manifestKey: String(r.manifest_key),
    attempts: Number(r.attempts),
    errorCode: r.error_code ?? null,
    errorDetail: r.error_detail ?? null,
  }));
}

/** Re-drive history of some batches. */
export async function redriveHistory(
  db: Queryable,
  batchIds: readonly string[],
): Promise<Map<string, RedriveHistory>> {
  const out = new Map<string, RedriveHistory>();
  if (batchIds.length === 0) return out;
  const rows = await selectRows(
    db,
    `SELECT batch_id, COUNT(*) AS n, MAX(requested_at) AS last,
            TIMESTAMPDIFF(SECOND, MAX(requested_at), UTC_TIMESTAMP(3)) / 60 AS minutes
       FROM redrives WHERE batch_id IN (?) GROUP BY batch_id`,
    [batchIds],
  );
  for (const r of rows) {
    out.set(String(r.batch_id), {
      count: Number(r.n),
      lastAt: r.last === null ? null : String(r.last),
      minutesSinceLast: r.minutes === null ? null : Number(r.minutes),
    });
  }
  return out;
}

/**
 * Claim re-drive number `attempt` of a batch: one INSERT on the (batch, attempt) key, so of two overlapping monitor
 * runs exactly one invokes ingest. False when another run took it.
 */
export async function claimRedrive(
  db: Queryable,
  claim: {
    batchId: string;
    attempt: number;
    reason: RedriveReason;
    manifestKey: string;
    runId: number | null;
  },
): Promise<boolean> {
  try {
    await execute(
      db,
      `INSERT INTO redrives (batch_id, attempt, reason, manifest_key, run_id, requested_at, outcome)
       VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(3), 'claimed')`,
      [claim.batchId, claim.attempt, claim.reason, claim.manifestKey, claim.runId],
    );
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}

/** Record how a claimed re-drive went: FC accepted it (its request id), or why not. */
export async function finishRedrive(
  db: Queryable,
  batchId: string,
  attempt: number,
  result: {
    outcome: 'invoked' | 'invoke_failed' | 'manifest_missing';
    invocationId?: string;
    error?: string;
  },
): Promise<void> {
  await execute(
    db,
    'UPDATE redrives SET outcome = ?, invocation_id = ?, error = ? WHERE batch_id = ? AND attempt = ?',
    [result.outcome, result.invocationId ?? null, result.error ?? null, batchId, attempt],
  );
}

/** Which of these batch ids the ledger has (any status). */
export async function inLedger(db: Queryable, batchIds: readonly string[]): Promise<Set<string>> {
  if (batchIds.length === 0) return new Set();
  const rows = await selectRows(db, 'SELECT batch_id FROM batches WHERE batch_id IN (?)', [batchIds]);
  return new Set(rows.map((r) => String(r.batch_id)));
}
