import type { Settlement } from '../../adapters/warehouse/ledger.js';
import { inTransaction } from '../../adapters/warehouse/sql.js';
import { formatBatchKey } from '../../core/keys.js';
import { rejectionAlert } from './alert-plan.js';
import type { IngestDeps, Job } from './deps.js';
import { tidyBatch } from './housekeeping.js';
import type { LoadDecision } from './load-batch.js';
import type { IngestOutcome } from './outcome.js';
import { reasonDocument } from './reason.js';
import type { Rejection } from './rejection.js';

/**
 * Quarantine a rejected batch: reason.json first (the status will point at it), the objects copied to
 * quarantine/, then the ledger `rejected` with its alert in one transaction, then the tidy-up.
 */
export async function settleRejected(
  deps: IngestDeps,
  job: Job,
  rejection: Rejection,
  dateEnd: string | undefined,
): Promise<IngestOutcome> {
  const { ref } = job;
  const reasonKey = formatBatchKey({ ...ref, area: 'quarantine', file: 'reason.json' });
  const reason = reasonDocument(ref, rejection, deps.now());
  await deps.store.put(reasonKey, `${JSON.stringify(reason, null, 2)}\n`, {
    contentType: 'application/json',
  });
  const alert = rejectionAlert(ref, dateEnd, rejection, reasonKey, { region: deps.config.ossRegion });
  const settled = await settle(
    deps,
    job,
    {
      status: 'rejected',
      summary: rejection.summary,
      errorCode: rejection.code,
      errorDetail: rejection.summary,
      eventDetail: { code: rejection.code, findings: rejection.findings.map((f) => [f.code, f.count]) },
    },
    async (conn) => {
      await deps.alertStore.record(conn, alert);
    },
  );
  if (!settled) return leaseLost(job);
  job.log.warn('batch rejected', { code: rejection.code, summary: rejection.summary, reasonKey });
  await tidy(deps, job);
  return { status: 'rejected', batchId: ref.batchId, code: rejection.code, reasonKey };
}

/** Identical content was loaded as another batch: nothing to load, the objects go to loaded/. */
export async function settleDuplicate(
  deps: IngestDeps,
  job: Job,
  duplicateOf: string,
): Promise<IngestOutcome> {
  const summary = `identical content was loaded as batch ${duplicateOf}`;
  const settled = await settle(deps, job, {
    status: 'duplicate',
    summary,
    duplicateOf,
    eventDetail: { duplicateOf },
  });
  if (!settled) return leaseLost(job);
  job.log.info('batch is a duplicate', { duplicateOf });
  await tidy(deps, job);
  return { status: 'duplicate', batchId: job.ref.batchId, duplicateOf };
}

/** After the load transaction committed: the tidy-up, then the outcome. */
export async function finishLoaded(
  deps: IngestDeps,
  job: Job,
  decision: Extract<LoadDecision, { kind: 'loaded' }>,
): Promise<IngestOutcome> {
  const warnings = decision.warnings.map((f) => f.code);
  const restated = decision.restated.map((p) => p.batchId);
  job.log.info('batch loaded', { rows: decision.rowsLoaded, warnings, restated });
  await tidy(deps, job);
  return { status: 'loaded', batchId: job.ref.batchId, rowsLoaded: decision.rowsLoaded, warnings, restated };
}

/** Our lease was taken over (we were too slow): the other attempt owns the batch now. */
export function leaseLost(job: Job): IngestOutcome {
  job.log.warn('lease lost before settling; another attempt owns the batch');
  return { status: 'in_progress', batchId: job.ref.batchId, owner: 'another attempt' };
}

async function settle(
  deps: IngestDeps,
  job: Job,
  settlement: Settlement,
  alongside?: (conn: Parameters<Parameters<typeof inTransaction>[1]>[0]) => Promise<void>,
): Promise<boolean> {
  return inTransaction(deps.pool, async (conn) => {
    const ok = await deps.ledger.settle(conn, job.ref.batchId, job.owner, settlement);
    if (ok && alongside !== undefined) await alongside(conn);
    return ok;
  });
}

async function tidy(deps: IngestDeps, job: Job): Promise<void> {
  const row = await deps.ledger.find(job.ref.batchId);
  if (row === undefined) throw new Error(`batch ${job.ref.batchId} is not in the ledger after settling`);
  await tidyBatch(deps, job.ref, row);
}
