import { publishAll } from '../common/outbox.js';
import { RUN_LIMITS } from './deps.js';
import type { RunContext } from './run-context.js';

/** Messages in flight (tried or queued within this many seconds) are left to whoever is publishing them. */
const STALE_SECONDS = 60;

/**
 * The outbox on a schedule of its own (issue 8 item 12): this run's own messages (short retries), then every
 * older message MNS has not accepted yet, from ingest or an earlier run (one try each, least-tried first; a refusing
 * MNS costs one failed call). Returns how many went out.
 */
export async function publishRun(run: RunContext): Promise<number> {
  const { deps } = run;
  const own = await deps.alertStore.pendingByIds(
    deps.pool,
    run.transitions.flatMap((t) => t.alertIds),
  );
  const first = await publishAll(deps, own, { delays: [200], stopAtFirstFailure: false });
  const stale = await deps.alertStore.stale(deps.pool, STALE_SECONDS, RUN_LIMITS.stalePublishes);
  const second = await publishAll(deps, stale, { delays: [], stopAtFirstFailure: true });
  const failed = first.failed + second.failed;
  await run.evaluate({
    check: 'outbox',
    subject: 'alerts',
    outcome: failed > 0 ? 'failed' : 'ok',
    figures: { own: own.length, stale: stale.length, published: first.published + second.published, failed },
  });
  return first.published + second.published;
}
