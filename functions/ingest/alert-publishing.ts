import type { AlertRecord } from '../../adapters/warehouse/alert-store.js';
import { inTransaction } from '../../adapters/warehouse/sql.js';
import { publishAll } from '../common/outbox.js';
import type { IngestDeps } from './deps.js';

const DEFAULT_DELAYS_MS = [200, 800];
/** The sweep leaves alone what a live instance may still be publishing (tried or queued within a minute). */
const SWEEP_STALE_SECONDS = 60;
const SWEEP_LIMIT = 20;

/**
 * Publish the messages about `batchId` that MNS has not accepted yet (the first time, or every earlier publish
 * failed). Bounded, short retries; every attempt is recorded (publish_attempts, last_publish_error). Alerts never
 * block data: nothing here throws. What still fails is retried by the next delivery, the sweep, and the monitor.
 */
export async function publishAlerts(deps: IngestDeps, batchId: string): Promise<void> {
  try {
    const pending = await deps.alertStore.pendingForBatch(deps.pool, batchId);
    const delays = deps.alertRetryDelaysMs ?? DEFAULT_DELAYS_MS;
    await publishAll(deps, pending, { delays, stopAtFirstFailure: false });
  } catch (error) {
    deps.logger.error('alert bookkeeping failed; the alert stays pending', { batchId, error });
  }
}

/**
 * After each batch: one more try for at most SWEEP_LIMIT older messages still unpublished (an earlier batch's
 * publishing failed and nothing touched that batch since). One attempt each, and the sweep stops at the first
 * failure (MNS is likely still down): it adds at most one failed call to a load. Nothing here throws.
 */
export async function sweepStaleAlerts(deps: IngestDeps): Promise<void> {
  try {
    const stale = await deps.alertStore.stale(deps.pool, SWEEP_STALE_SECONDS, SWEEP_LIMIT);
    await publishAll(deps, stale, { delays: [], stopAtFirstFailure: true });
  } catch (error) {
    deps.logger.error('alert sweep failed; the alerts stay pending', { error });
  }
}

/**
 * A finding that has no load or settle transaction to ride in (a rejection filed under quarantine/_rejected/, a
 * batch id conflict): its incident changes in a transaction of its own, then its messages are published. Alerts
 * never block data: nothing here throws; an unrecorded finding is logged.
 */
export async function recordAndPublish(deps: IngestDeps, finding: AlertRecord): Promise<void> {
  try {
    const applied = await inTransaction(deps.pool, (conn) =>
      deps.alertStore.record(conn, finding, deps.now()),
    );
    if (applied === undefined) return;
    const pending = await deps.alertStore.pendingByIds(deps.pool, applied.alertIds);
    await publishAll(deps, pending, {
      delays: deps.alertRetryDelaysMs ?? DEFAULT_DELAYS_MS,
      stopAtFirstFailure: false,
    });
  } catch (error) {
    deps.logger.error(
      'could not record or publish a finding; the sweep and the monitor retry what was queued',
      {
        key: finding.key,
        error,
      },
    );
  }
}
