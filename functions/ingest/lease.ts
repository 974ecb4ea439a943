import { randomBytes } from 'node:crypto';
import type { Ledger } from '../../adapters/warehouse/ledger.js';
import type { Logger } from '../../core/logger.js';

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
