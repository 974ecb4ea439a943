import { setTimeout as sleep } from 'node:timers/promises';
import type { PendingAlert } from '../../adapters/warehouse/alert-store.js';
import type { IngestDeps } from './deps.js';

const DEFAULT_DELAYS_MS = [200, 800];

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

async function publishOne(deps: IngestDeps, alert: PendingAlert): Promise<void> {
  const delays = deps.alertRetryDelaysMs ?? DEFAULT_DELAYS_MS;
  const log = deps.logger.child({ alert: alert.dedupeKey });
  for (let i = 0; i <= delays.length; i++) {
    if (!(await deps.alertStore.takeAttempt(deps.pool, alert))) return; // another instance is on it
    try {
      const { messageId } = await deps.alerts.publish({ body: alert.body, tag: alert.severity });
      await deps.alertStore.markPublished(deps.pool, alert.id, messageId);
      log.info('alert published', { messageId, attempts: alert.publishAttempts });
      return;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await deps.alertStore.markFailed(deps.pool, alert.id, message);
      log.warn('alert publish failed', { attempt: alert.publishAttempts, error });
      const delay = delays[i];
      if (delay !== undefined) await sleep(delay);
    }
  }
}
