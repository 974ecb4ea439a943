import type { LedgerRow } from '../../adapters/warehouse/ledger.js';
import { formatBatchStatus } from '../../core/batch-status.js';
import { formatBatchKey, formatStatusKey } from '../../core/keys.js';
import type { Logger } from '../../core/logger.js';
import type { IngestDeps, ManifestRef } from './deps.js';
import { moveIncoming, statusOf } from './housekeeping.js';
import type { IngestOutcome } from './outcome.js';
import { reasonDocument } from './reason.js';
import { rejectWith } from './rejection.js';

/**
 * The batch id is in the ledger under another kind or dataset. The ledger row belongs to that other batch and
 * stays untouched; this one is quarantined with its reason and status, and told about in the log.
 */
export async function rejectConflict(
  deps: IngestDeps,
  ref: ManifestRef,
  owner: LedgerRow,
  log: Logger,
): Promise<IngestOutcome> {
  const message = `batch id ${ref.batchId} is already used by ${owner.kind}/${owner.dataset}`;
  const rejection = rejectWith('BATCH_ID_CONFLICT', message);
  const now = deps.now();
  const reasonKey = formatBatchKey({ ...ref, area: 'quarantine', file: 'reason.json' });
  const reason = reasonDocument(ref, rejection, now);
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
  log.error('batch id conflict: quarantined without a ledger row', {
    owner: `${owner.kind}/${owner.dataset}`,
  });
  return { status: 'rejected', batchId: ref.batchId, code: rejection.code, reasonKey };
}
