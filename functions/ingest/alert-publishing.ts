import { setTimeout as sleep } from 'node:timers/promises';
import type { PendingAlert } from '../../adapters/warehouse/alert-store.js';
import type { IngestDeps } from './deps.js';

const DEFAULT_DELAYS_MS = [200, 800];
/** The sweep leaves alone what a live instance may still be publishing (recorded or repeated within a minute). */
const SWEEP_STALE_SECONDS = 60;
const SWEEP_LIMIT = 20;

/**
 * Publish the alerts among `keys` that MNS has not accepted yet (the first occurrence, or every earlier publish
 * failed). Bounded, short retries; every attempt is recorded (publish_attempts, last_publish_error). Alerts never
 * block data: nothing here throws.
 */
export async function publishAlerts(deps: IngestDeps, keys: readonly string[]): Promise<void> {
  try {
    const pending = await deps.alertStore.pending(deps.pool, keys);
    for (const alert of pending) await publishOne(deps, alert);
  } catch (error) {
    deps.logger.error('alert bookkeeping failed; the alert stays pending', { keys, error });
  }
}

/**
 * After each batch: one more try for at most SWEEP_LIMIT older alerts still unpublished (an earlier batch's
 * publishing failed and nothing touched that batch since). One attempt each, and the sweep stops at the first
 * failure (MNS is likely still down): it adds at most one failed call to a load. Nothing here throws.
 */
export async function sweepStaleAlerts(deps: IngestDeps): Promise<void> {
  try {
    const stale = await deps.alertStore.stale(deps.pool, SWEEP_STALE_SECONDS, SWEEP_LIMIT);
    for (const alert of stale) {
      if ((await publishOne(deps, alert, [])) === 'failed') return;
    }
  } catch (error) {
    deps.logger.error('alert sweep failed; the alerts stay pending', { error });
  }
}

async function publishOne(
  deps: IngestDeps,
  alert: PendingAlert,
  delays: readonly number[] = deps.alertRetryDelaysMs ?? DEFAULT_DELAYS_MS,
): Promise<'published' | 'failed' | 'taken'> {
  const log = deps.logger.child({ alert: alert.dedupeKey });
  for (let i = 0; i <= delays.length; i++) {
    if (!(await deps.alertStore.takeAttempt(deps.pool, alert))) return 'taken'; // another instance is on it
    try {
      const { messageId } = await deps.alerts.publish({ body: alert.body, tag: alert.severity });
      await deps.alertStore.markPublished(deps.pool, alert.id, messageId);
      log.info('alert published', { messageId, attempts: alert.publishAttempts });
      return 'published';
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await deps.alertStore.markFailed(deps.pool, alert.id, message);
      log.warn('alert publish failed', { attempt: alert.publishAttempts, error });
      const delay = delays[i];
      if (delay !== undefined) await sleep(delay);
    }
  }
  return 'failed';
}
