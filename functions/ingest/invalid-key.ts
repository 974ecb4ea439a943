import { recordRejectedKey } from '../../adapters/warehouse/rejected-key-ledger.js';
import { isBatchId } from '../../core/batch-id.js';
import type { IngestDeps } from './deps.js';
import type { InvalidKeyRef } from './event-ref.js';
import type { IngestOutcome } from './outcome.js';
import { fileRejection } from './rejected-objects.js';

const WHAT_TO_DO = [
  'The manifest key is not incoming/<kind>/<dataset>/<batch-id>/manifest.json as docs/batch-format.md defines it (see keyProblems): the dataset is ^[a-z][a-z0-9_]{0,47}$ without "__", the kind factors, calendar or experiments, the batch id <yyyymmdd>T<hhmmss><mmm>Z-<suffix>.',
  'Push the batch again under a valid key, with a new batch id (the agent chooses valid keys itself).',
];

/**
 * A manifest under incoming/ whose key is not a valid batch key (KEY_INVALID). It is never dropped with a log line:
 * its objects leave incoming/ for quarantine/_rejected/<id>/ with a reason.json, the producer can read its status
 * at status/_rejected/<sha256 of the key>.json, an `error` alert goes out, and when the key's batch-id segment is a
 * free batch id the ledger records it as `rejected` like any other batch.
 */
export async function quarantineInvalidKey(deps: IngestDeps, ref: InvalidKeyRef): Promise<IngestOutcome> {
  const log = deps.logger.child({ key: ref.key });
  if ((await deps.store.head(ref.key)) === undefined) {
    const reason = 'the manifest is gone: an earlier delivery quarantined it';
    log.info('invalid key already handled', { reason });
    return { status: 'skipped', key: ref.key, reason };
  }
  const parts = ref.key.split('/');
  const [, kind, dataset, batchId] = parts.length === 5 ? parts : [];
  const message = ref.error.message;
  const ledger = await recordInLedger(deps, ref, { kind, dataset, batchId }, message);
  const filed = await fileRejection(deps, {
    manifestKey: ref.key,
    code: 'KEY_INVALID',
    message,
    ...(batchId === undefined ? {} : { batchId }),
    ...(kind === undefined ? {} : { kind }),
    ...(dataset === undefined ? {} : { dataset }),
    ledger,
    evidence: { keyProblems: ref.error.problems },
    whatToDo: WHAT_TO_DO,
  });
  log.error('batch with an invalid key quarantined', { ...filed, ledger, problem: message });
  return { status: 'rejected_key', key: ref.key, code: 'KEY_INVALID', ...filed };
}

/** A ledger row when the key's batch-id segment is a batch id no other batch holds; says what happened. */
async function recordInLedger(
  deps: IngestDeps,
  ref: InvalidKeyRef,
  parts: { kind?: string | undefined; dataset?: string | undefined; batchId?: string | undefined },
  message: string,
): Promise<string> {
  const { kind, dataset, batchId } = parts;
  if (kind === undefined || dataset === undefined || batchId === undefined || !isBatchId(batchId)) {
    return 'not recorded: the key holds no valid batch id';
  }
  const facts = { batchId, kind, dataset, manifestKey: ref.key };
  const summary = `KEY_INVALID: ${message}`;
  const detail = { code: 'KEY_INVALID', key: ref.key, problems: ref.error.problems };
  if (await recordRejectedKey(deps.pool, deps.ledger, facts, { code: 'KEY_INVALID', summary, detail })) {
    return `batches batch_id=${batchId}`;
  }
  // A redelivery after a crash finds its own row; anything else holds the id.
  const row = await deps.ledger.find(batchId);
  const ours = row?.errorCode === 'KEY_INVALID' && row.dataset === dataset.slice(0, 48);
  return ours ? `batches batch_id=${batchId}` : `not recorded: batch id ${batchId} is another batch's`;
}
