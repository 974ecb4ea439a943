import type { ObjectStore } from '../../adapters/object-store/store.js';
import { Ledger } from '../../adapters/warehouse/ledger.js';
import {
  claimRedrive,
  finishRedrive,
  type RedriveReason,
  redriveHistory,
  stuckBatches,
} from '../../adapters/warehouse/redrive-store.js';
import { PipelineError } from '../../core/errors.js';
import type { BatchKind } from '../../core/keys.js';
import type { MonitorDeps } from './deps.js';
import { findLostManifests } from './lost-events.js';
import { redriveEvent } from './redrive-event.js';
import { gaveUpFinding, redriveFailedFinding } from './redrive-message.js';
import type { RunContext } from './run-context.js';

/** A batch to re-drive: where its manifest is, and why. */
export interface RedriveCandidate {
  batchId: string;
  kind: BatchKind;
  dataset: string;
  manifestKey: string;
  reason: RedriveReason;
  /** what the ledger says (absent for a lost event: the ledger never saw the batch) */
  ledger?: { status: string; attempts: number; errorCode: string | null; errorDetail: string | null };
}

/** What one re-drive touches: the monitor's deps, or the HTTP API's (POST /v1/batches/{id}/redrive). */
export type RedriveDeps = Pick<MonitorDeps, 'pool' | 'functions' | 'logger' | 'region' | 'accountId'> & {
  config: Pick<MonitorDeps['config'], 'ossBucket' | 'ingestFunction'>;
  store: Pick<ObjectStore, 'head'>;
};

export type RedriveOutcome =
  | { outcome: 'invoked'; invocationId: string }
  | { outcome: 'taken' }
  | { outcome: 'manifest_missing' }
  | { outcome: 'invoke_failed'; error: string };

/**
 * Stuck and lost batches fixed without a person (docs/monitor.md): a `loading` batch whose lease expired, a `failed`
 * batch, and a manifest in incoming/ the ledger never saw are re-driven through the FC 3.0 API, at most
 * REDRIVE_LIMIT per run, each at most REDRIVE_MAX_ATTEMPTS times, REDRIVE_AFTER_MINUTES apart. The ledger makes
 * ingest load it exactly once. People hear about it only when a re-drive fails or a batch runs out of attempts.
 */
export async function redriveStuck(run: RunContext): Promise<void> {
  const { config, pool } = run.deps;
  const stuck = (await stuckBatches(pool, config.redriveAfterMinutes, config.redriveLimit * 2)).map(
    (b): RedriveCandidate => ({
      batchId: b.batchId,
      kind: b.kind,
      dataset: b.dataset,
      manifestKey: b.manifestKey,
      reason: b.status === 'failed' ? 'failed' : 'lease_expired',
      ledger: { status: b.status, attempts: b.attempts, errorCode: b.errorCode, errorDetail: b.errorDetail },
    }),
  );
  const lost = await findLostManifests(run, config.redriveLimit);
  const candidates = [...stuck, ...lost];
  const history = await redriveHistory(
    pool,
    candidates.map((c) => c.batchId),
  );
  let budget = config.redriveLimit;
  for (const c of candidates) {
    const h = history.get(c.batchId) ?? { count: 0, lastAt: null, minutesSinceLast: null };
    const result = {
      check: 'redrive',
      subject: c.batchId,
      dataset: c.dataset,
      figures: { reason: c.reason, redrives: h.count, ledger: c.ledger ?? null },
    };
    if (h.count >= config.redriveMaxAttempts) {
      await run.evaluate({ ...result, outcome: 'gave_up' }, gaveUpFinding(run.deps, c, h.count));
      continue;
    }
    if (h.minutesSinceLast !== null && h.minutesSinceLast < config.redriveAfterMinutes) {
      await run.evaluate({ ...result, outcome: 'waiting' });
      continue;
    }
    if (budget === 0) {
      await run.evaluate({ ...result, outcome: 'deferred' });
      continue;
    }
    budget--;
    const done = await redriveOne(run.deps, c, h.count + 1, run.runId, run.now);
    if (done.outcome === 'invoked') run.redriven++;
    const finding =
      done.outcome === 'invoke_failed'
        ? redriveFailedFinding(run.deps, c, done.error)
        : done.outcome === 'manifest_missing'
          ? gaveUpFinding(run.deps, c, h.count + 1, 'its manifest is no longer in incoming/')
          : undefined;
    await run.evaluate(
      {
        ...result,
        outcome: done.outcome === 'invoked' ? 'redriven' : done.outcome,
        figures: { ...result.figures, ...done },
      },
      finding,
    );
  }
}

/**
 * Re-drive one batch: claim attempt `attempt` in the database (exactly one of two overlapping runs gets it), check
 * the manifest is still there, and invoke ingest asynchronously with an OSS-shaped event for it.
 */
export async function redriveOne(
  deps: RedriveDeps,
  c: RedriveCandidate,
  attempt: number,
  runId: number | null,
  at: Date,
): Promise<RedriveOutcome> {
  const claim = { batchId: c.batchId, attempt, reason: c.reason, manifestKey: c.manifestKey, runId };
  if (!(await claimRedrive(deps.pool, claim))) return { outcome: 'taken' };
  const log = deps.logger.child({ batchId: c.batchId, dataset: c.dataset, attempt, reason: c.reason });
  const head = await deps.store.head(c.manifestKey);
  if (head === undefined) {
    await finishRedrive(deps.pool, c.batchId, attempt, { outcome: 'manifest_missing' });
    log.warn('cannot re-drive: the manifest is gone', { key: c.manifestKey });
    return { outcome: 'manifest_missing' };
  }
  const event = redriveEvent({
    bucket: deps.config.ossBucket,
    key: c.manifestKey,
    size: head.size,
    etag: head.etag,
    region: deps.region,
    accountId: deps.accountId,
    at,
    origin: `redrive-${c.batchId}-${attempt}`,
  });
  try {
    const accepted = await deps.functions.invoke(deps.config.ingestFunction, event, { async: true });
    await finishRedrive(deps.pool, c.batchId, attempt, {
      outcome: 'invoked',
      invocationId: accepted.requestId,
    });
    await new Ledger(deps.pool).record(deps.pool, c.batchId, {
      event: 'redriven',
      attempt: c.ledger?.attempts ?? null,
      detail: { redrive: attempt, reason: c.reason, invocation: accepted.requestId },
    });
    log.info('batch re-driven', { invocation: accepted.requestId });
    return { outcome: 'invoked', invocationId: accepted.requestId };
  } catch (error) {
    // FC refused or could not be reached (translated by the adapter); anything else is a bug and propagates.
    if (!(error instanceof PipelineError)) throw error;
    const message = error.message;
    await finishRedrive(deps.pool, c.batchId, attempt, { outcome: 'invoke_failed', error: message });
    log.error('re-drive failed', { error });
    return { outcome: 'invoke_failed', error: message };
  }
}
