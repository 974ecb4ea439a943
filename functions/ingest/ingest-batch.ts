import type { LedgerRow } from '../../adapters/warehouse/ledger.js';
import { SETTLED } from '../../adapters/warehouse/ledger-types.js';
import { isTransient, PipelineError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { rejectConflict } from './conflict.js';
import type { IngestDeps, Job, ManifestRef } from './deps.js';
import { confirmDuplicate, loadedTwin } from './duplicate-content.js';
import { tidyBatch } from './housekeeping.js';
import { claimOrWait, leaseOwner, startHeartbeat } from './lease.js';
import type { LoadDecision } from './load-batch.js';
import { factsOf, type ManifestRead, readManifest } from './manifest-read.js';
import type { IngestOutcome } from './outcome.js';
import { checkStoredPayload } from './payload-check.js';
import { prepareAndLoad } from './prepare-load.js';
import { rejectManifest } from './rejection.js';
import { quarantineReused, reusedId } from './reused-id.js';
import { finishLoaded, leaseLost, settleDuplicate, settleRejected } from './settle.js';

/**
 * One batch, exactly once, all or nothing (docs/ingest.md): read the manifest, claim the batch in the ledger,
 * then verify, load or reject it, and tidy up. Expected outcomes are values; a TransientError (and any unknown
 * error) is thrown after the ledger has recorded it, so FC's async retry runs it again.
 */
export async function ingestBatch(deps: IngestDeps, ref: ManifestRef): Promise<IngestOutcome> {
  const log = deps.logger.child({ batchId: ref.batchId, dataset: ref.dataset, kind: ref.kind });
  const read = await readManifest(deps, ref);
  if (read.kind === 'missing') return afterVanished(deps, ref, log);
  const owner = leaseOwner(deps.requestId);
  const claim = await claimOrWait(deps, factsOf(ref, read), owner, log);
  if (claim.kind === 'settled') return redelivered(deps, ref, claim.row, log, read);
  if (claim.kind === 'conflict') return rejectConflict(deps, ref, claim.row, log);
  if (claim.takenOverFrom !== undefined) log.warn('took the batch over', { from: claim.takenOverFrom });
  const job: Job = { ref, owner, attempt: claim.attempt, log: log.child({ attempt: claim.attempt }) };
  job.log.debug('claimed', { owner });
  return runClaimed(deps, job, read);
}

async function runClaimed(deps: IngestDeps, job: Job, read: Exclude<ManifestRead, { kind: 'missing' }>) {
  const heartbeat = startHeartbeat(
    deps.ledger,
    job.ref.batchId,
    job.owner,
    deps.config.leaseSeconds,
    job.log,
  );
  try {
    const decision = await decide(deps, job, read);
    await heartbeat.stop();
    return await conclude(
      deps,
      job,
      decision,
      read.kind === 'valid' ? read.manifest.dateRange.end : undefined,
    );
  } catch (error) {
    await heartbeat.stop();
    await recordFailure(deps, job, error);
    throw error;
  }
}

/** Every check in order; the first that fails decides. Nothing reaches MySQL before the payload checks pass. */
async function decide(
  deps: IngestDeps,
  job: Job,
  read: Exclude<ManifestRead, { kind: 'missing' }>,
): Promise<LoadDecision> {
  if (read.kind === 'invalid') return { kind: 'rejected', rejection: rejectManifest(read.error) };
  const manifest = read.manifest;
  const stored = await checkStoredPayload(deps, manifest);
  if (stored.kind === 'rejected') return stored;
  const twin = await loadedTwin(deps, manifest);
  if (twin !== undefined) return confirmDuplicate(deps, manifest, twin, stored.crc64);
  job.log.debug('payload verified in OSS', { bytes: manifest.payload.bytes });
  const decision = await prepareAndLoad(deps, job, manifest);
  if (decision.kind !== 'duplicate') return decision;
  // A twin with the same content committed while this batch was prepared: the same confirmation.
  const raced = (await loadedTwin(deps, manifest)) ?? {
    batchId: decision.duplicateOf,
    crc64: null,
    bytes: null,
  };
  return confirmDuplicate(deps, manifest, raced, stored.crc64);
}

function conclude(deps: IngestDeps, job: Job, decision: LoadDecision, dateEnd: string | undefined) {
  switch (decision.kind) {
    case 'loaded':
      return finishLoaded(deps, job, decision);
    case 'rejected':
      return settleRejected(deps, job, decision.rejection, dateEnd);
    case 'duplicate':
      return settleDuplicate(deps, job, decision.duplicateOf);
    case 'lease_lost':
      return leaseLost(job);
  }
}

/**
 * Transient: end our lease now (status stays loading) so the retry takes over at once. Anything else is a
 * bug (or a broken environment): status failed with the error; never quarantined.
 */
async function recordFailure(deps: IngestDeps, job: Job, error: unknown): Promise<void> {
  const code = error instanceof PipelineError ? error.code : error instanceof Error ? error.name : 'UNKNOWN';
  const message = error instanceof Error ? error.message : String(error);
  const transient = isTransient(error);
  job.log.error(transient ? 'transient failure; FC will retry' : 'unexpected failure', { error });
  try {
    if (transient) await deps.ledger.releaseLease(job.ref.batchId, job.owner, { code, message });
    else await deps.ledger.markFailed(job.ref.batchId, job.owner, { code, message });
  } catch (bookkeeping) {
    job.log.error('could not record the failure in the ledger', { error: bookkeeping });
  }
}

/**
 * A redelivery of a settled batch: a no-op but for the idempotent tidy-up a crash may have left undone — unless
 * incoming/ holds new bytes under the settled id (BATCH_ID_REUSED, reused-id.ts).
 */
async function redelivered(
  deps: IngestDeps,
  ref: ManifestRef,
  row: LedgerRow,
  log: Logger,
  read: ManifestRead,
): Promise<IngestOutcome> {
  const reuse = await reusedId(deps, ref, row, read);
  if (reuse !== undefined) return quarantineReused(deps, ref, row, reuse);
  log.info('batch already settled; finishing its housekeeping', { status: row.status });
  await tidyBatch(deps, ref, row);
  const outcome: IngestOutcome = { status: 'duplicate', batchId: ref.batchId, redelivered: row.status };
  if (row.duplicateOf !== null) outcome.duplicateOf = row.duplicateOf;
  return outcome;
}

/** The manifest is gone: moved by an earlier delivery (heal its housekeeping), or never ours to see. */
async function afterVanished(deps: IngestDeps, ref: ManifestRef, log: Logger): Promise<IngestOutcome> {
  const row = await deps.ledger.find(ref.batchId);
  if (row !== undefined && SETTLED.includes(row.status)) {
    return redelivered(deps, ref, row, log, { kind: 'missing' });
  }
  if (row?.status === 'loading')
    return { status: 'in_progress', batchId: ref.batchId, owner: row.leaseOwner ?? '' };
  const reason =
    row === undefined
      ? 'the manifest is gone and the ledger never saw the batch'
      : `the manifest is gone and the batch is ${row.status}`;
  log.warn('nothing to do', { reason });
  return { status: 'skipped', key: ref.key, reason };
}
