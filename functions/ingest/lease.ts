import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BatchFacts, Claim, Ledger } from '../../adapters/warehouse/ledger.js';
import { TransientError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { IngestDeps } from './deps.js';

/** The lease owner of this attempt: the request id (shared by FC's retries of one event) and a nonce. */
export function leaseOwner(requestId: string): string {
  return `${requestId.slice(0, 48)}/${randomBytes(6).toString('hex')}`;
}

export interface Heartbeat {
  /** Stop beating (waits for a beat in flight). */
  stop(): Promise<void>;
}

/**
 * Extend the lease every leaseSeconds/3 while the batch loads (database clock, WHERE lease_owner = me).
 * A failed beat is logged and tried again at the next one; the commit's WHERE lease_owner is the real fence.
 */
export function startHeartbeat(
  ledger: Ledger,
  batchId: string,
  owner: string,
  leaseSeconds: number,
  log: Logger,
): Heartbeat {
  let beating: Promise<void> = Promise.resolve();
  const beat = async () => {
    try {
      if (!(await ledger.heartbeat(batchId, owner, leaseSeconds))) {
        log.warn('lease lost: another attempt took the batch over; its commit will be refused');
      }
    } catch (error) {
      log.warn('lease heartbeat failed', { error });
    }
  };
  const timer = setInterval(
    () => {
      beating = beating.then(beat);
    },
    (leaseSeconds * 1000) / 3,
  );
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await beating;
    },
  };
}

/** How long past the holder's lease a delivery waits, at most, before FC is asked to retry it later. */
const LEASE_GRACE_MS = 2000;
const MAX_WAIT_MS = 300_000;
const POLL_MS = 1000;

/**
 * Claim the batch; when another request holds a live lease, wait for it instead of dropping this delivery.
 * The holder's lease ends within its remaining time unless the holder renews it (its heartbeat, every
 * LEASE_SECONDS/3): a holder that died (FC gave up on it, its instance was killed, its database went away)
 * lets the lease run out, and this delivery takes the batch over and loads it — an operator's re-trigger works
 * with no wait a person has to know about. A holder still renewing its lease is alive and will settle the batch;
 * if it has not by the end of the wait, this delivery throws BATCH_IN_PROGRESS (transient) so FC retries it
 * later, when it finds the batch settled (a no-op) or the lease run out (a takeover). Nothing is dropped.
 */
export async function claimOrWait(
  deps: IngestDeps,
  facts: BatchFacts,
  owner: string,
  log: Logger,
): Promise<Exclude<Claim, { kind: 'in_progress' }>> {
  let claim = await deps.ledger.claim(facts, owner, deps.config.leaseSeconds);
  if (claim.kind !== 'in_progress') return claim;
  const deadline = Date.now() + Math.min(claim.remainingMs + LEASE_GRACE_MS, MAX_WAIT_MS);
  log.info('another attempt holds the batch; waiting for it to settle or its lease to end', {
    holder: claim.owner,
    until: claim.expiresAt,
  });
  while (claim.kind === 'in_progress' && Date.now() < deadline) {
    await sleep(Math.min(POLL_MS, Math.max(1, deadline - Date.now())));
    claim = await deps.ledger.claim(facts, owner, deps.config.leaseSeconds);
  }
  if (claim.kind !== 'in_progress') return claim;
  throw new TransientError(
    'BATCH_IN_PROGRESS',
    `batch ${facts.batchId} is being loaded by ${claim.owner}, whose lease is renewed (until ${claim.expiresAt}): FC retries this delivery later`,
    { details: { holder: claim.owner, expiresAt: claim.expiresAt } },
  );
}
