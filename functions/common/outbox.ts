import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'mysql2/promise';
import type { AlertPublisher } from '../../adapters/alerts/mns.js';
import type { AlertStore, PendingAlert } from '../../adapters/warehouse/alert-store.js';
import type { Logger } from '../../core/logger.js';

/** What publishing the outbox needs; ingest's and the monitor's deps both have it. */
export interface OutboxDeps {
  pool: Pool;
  alertStore: AlertStore;
  alerts: AlertPublisher;
  logger: Logger;
}

export type PublishResult = 'published' | 'failed' | 'taken';

/**
 * Publish one queued message: each try first takes the attempt in the database (a conditional update, so two
 * instances never publish the same message), then publishes, then marks it published or records the error.
 * `delays` are the pauses between tries (none: one try). Nothing here throws for MNS's sake.
 */
export async function publishOne(
  deps: OutboxDeps,
  alert: PendingAlert,
  delays: readonly number[],
): Promise<PublishResult> {
  const log = deps.logger.child({ alert: alert.dedupeKey, channel: alert.channel });
  const publisher = randomUUID();
  for (let i = 0; i <= delays.length; i++) {
    if (!(await deps.alertStore.takeAttempt(deps.pool, alert, publisher))) return 'taken'; // another instance is on it
    try {
      const { messageId } = await deps.alerts.publish({
        body: alert.body,
        tag: alert.severity,
        channel: alert.channel,
      });
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
  await deps.alertStore.release(deps.pool, alert.id, publisher);
  return 'failed';
}

/** Publish a list in order; with `stopAtFirstFailure`, a dead MNS costs one failed call, not one per message. */
export async function publishAll(
  deps: OutboxDeps,
  pending: readonly PendingAlert[],
  options: { delays: readonly number[]; stopAtFirstFailure: boolean },
): Promise<{ published: number; failed: number }> {
  let published = 0;
  let failed = 0;
  for (const alert of pending) {
    const result = await publishOne(deps, alert, options.delays);
    if (result === 'published') published++;
    if (result === 'failed') {
      failed++;
      if (options.stopAtFirstFailure) break;
    }
  }
  return { published, failed };
}
