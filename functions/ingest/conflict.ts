import type { LedgerRow } from '../../adapters/warehouse/ledger.js';
import { formatBatchStatus } from '../../core/batch-status.js';
import { formatBatchKey, formatStatusKey } from '../../core/keys.js';
import type { Logger } from '../../core/logger.js';
import { rejectionAlert } from './alert-plan.js';
import { publishAlerts } from './alert-publishing.js';
import type { IngestDeps, ManifestRef } from './deps.js';
import { moveIncoming, statusOf } from './housekeeping.js';
import type { IngestOutcome } from './outcome.js';
import { reasonDocument } from './reason.js';
import { fileRejection } from './rejected-objects.js';
import { rejectWith } from './rejection.js';

const WHAT_TO_DO = [
  'A batch id names one batch of one dataset forever: push the batch again with a new batch id (the agent chooses ids itself).',
];

/**
 * The batch id is in the ledger under another kind or dataset (BATCH_ID_CONFLICT). The ledger row belongs to that
 * other batch and stays as it is, but for a `conflict` event that puts this attempt on record. This batch is
 * quarantined under its own prefix (its kind, dataset and id are nobody else's) with its reason and status, and
 * an `error` alert goes out; when an earlier conflict is on file there already, it gets a prefix of its own under
 * quarantine/_rejected/ instead, so no evidence is overwritten.
 */
export async function rejectConflict(
  deps: IngestDeps,
  ref: ManifestRef,
  owner: LedgerRow,
  log: Logger,
): Promise<IngestOutcome> {
  const message = `batch id ${ref.batchId} is already used by ${owner.kind}/${owner.dataset}`;
  const ledger = `batches batch_id=${ref.batchId} (the ${owner.kind}/${owner.dataset} batch's row; event conflict)`;
  await deps.ledger.record(deps.pool, ref.batchId, {
    event: 'conflict',
    detail: { code: 'BATCH_ID_CONFLICT', key: ref.key, owner: `${owner.kind}/${owner.dataset}` },
  });
  const reasonKey = formatBatchKey({ ...ref, area: 'quarantine', file: 'reason.json' });
  if ((await deps.store.head(reasonKey)) !== undefined) {
    const filed = await fileRejection(deps, {
      manifestKey: ref.key,
      code: 'BATCH_ID_CONFLICT',
      message,
      ...ref,
      ledger,
      evidence: { owner: { kind: owner.kind, dataset: owner.dataset, status: owner.status } },
      whatToDo: WHAT_TO_DO,
    });
    log.error('batch id conflict: quarantined under its own rejection id', { reasonKey: filed.reasonKey });
    return {
      status: 'rejected',
      batchId: ref.batchId,
      code: 'BATCH_ID_CONFLICT',
      reasonKey: filed.reasonKey,
    };
  }
  const rejection = rejectWith('BATCH_ID_CONFLICT', message);
  const now = deps.now();
  const reason = { ...reasonDocument(ref, rejection, now), whatToDo: WHAT_TO_DO, ledger };
  await deps.store.put(reasonKey, `${JSON.stringify(reason, null, 2)}\n`, {
    contentType: 'application/json',
  });
  await moveIncoming(deps.store, ref, 'quarantine');
  const row: LedgerRow = {
    ...owner,
    kind: ref.kind,
    dataset: ref.dataset,
    status: 'rejected',
    errorCode: rejection.code,
    summary: rejection.summary,
    warnings: [],
    finishedAt: now.toISOString().replace('T', ' ').replace('Z', ''),
  };
  await deps.store.put(formatStatusKey(ref), formatBatchStatus(statusOf(row)), {
    contentType: 'application/json',
  });
  const alert = rejectionAlert(ref, undefined, rejection, reasonKey);
  await deps.alertStore.record(deps.pool, alert);
  await publishAlerts(deps, [alert.dedupeKey]);
  log.error("batch id conflict: quarantined; the ledger row stays the other batch's", {
    owner: `${owner.kind}/${owner.dataset}`,
  });
  return { status: 'rejected', batchId: ref.batchId, code: rejection.code, reasonKey };
}
