import type { Hono } from 'hono';
import {
  type BatchEvent,
  type BatchView,
  batchEvents,
  findBatch,
  listBatches,
  restatedBy,
} from '../../../adapters/warehouse/load-history.js';
import { batchesCursor, readBatchesRequest } from '../../../core/api/batches-request.js';
import { isoInstant } from '../../../core/api/params.js';
import { type BatchKind, formatBatchKey } from '../../../core/keys.js';
import { adviceFor } from '../../ingest/reason.js';
import { requireScope } from '../auth.js';
import type { ApiEnv } from '../deps.js';
import { badParameters, notFound } from '../http-error.js';

/** The load history: every batch ever seen, newest first, and one batch with its events, reason and fix. */
export function batchRoutes(app: Hono<ApiEnv>): void {
  app.get('/v1/batches', requireScope('read:status'), async (c) => {
    const read = readBatchesRequest(c.req.query());
    if (!read.ok) throw badParameters(read.problems);
    // One more than asked tells whether there is a next page without a count.
    const rows = await listBatches(c.env.pool, { ...read.value, limit: read.value.limit + 1 });
    const page = rows.slice(0, read.value.limit);
    const last = page.at(-1);
    const next =
      rows.length > page.length && last !== undefined ? batchesCursor(last.firstSeenAt, last.batchId) : null;
    return c.json({ batches: page.map(batchView), next });
  });

  app.get('/v1/batches/:id', requireScope('read:status'), async (c) => {
    const batch = await findBatch(c.env.pool, c.req.param('id'));
    if (batch === undefined) throw notFound(`batch ${c.req.param('id')}`);
    const events = await batchEvents(c.env.pool, batch.batchId);
    return c.json({
      ...batchView(batch),
      events: events.map((e) => ({ ...e, at: isoInstant(e.at) })),
      restatedBy: await restatedBy(c.env.pool, batch.batchId),
      rejection: batch.status === 'rejected' ? rejectionOf(batch, events) : null,
    });
  });
}

/** A batch as the API shows it (times in ISO 8601 UTC). */
export function batchView(b: BatchView) {
  return {
    ...b,
    firstSeenAt: isoInstant(b.firstSeenAt),
    startedAt: isoInstant(b.startedAt),
    finishedAt: isoInstant(b.finishedAt),
    leaseExpiresAt: isoInstant(b.leaseExpiresAt),
  };
}

/**
 * Why a batch was quarantined and what to do (the same advice its reason.json gives, functions/ingest/reason.ts),
 * with where its objects and reason.json are in OSS.
 */
export function rejectionOf(b: BatchView, events: readonly BatchEvent[]) {
  const detail = events.find((e) => e.event === 'rejected')?.detail as {
    findings?: [string, number][];
  } | null;
  const findings = Array.isArray(detail?.findings)
    ? detail.findings.map(([code, count]) => ({ code, count }))
    : [];
  const ref = { kind: b.kind as BatchKind, dataset: b.dataset, batchId: b.batchId };
  return {
    code: b.errorCode,
    summary: b.summary,
    findings,
    fix: adviceFor(
      b.errorCode ?? 'UNKNOWN',
      findings.map((f) => f.code),
    ),
    quarantine: quarantineKeys(ref),
  };
}

function quarantineKeys(ref: { kind: BatchKind; dataset: string; batchId: string }) {
  try {
    return {
      reason: formatBatchKey({ ...ref, area: 'quarantine', file: 'reason.json' }),
      manifest: formatBatchKey({ ...ref, area: 'quarantine', file: 'manifest.json' }),
    };
  } catch {
    return null; // a ledger row whose names are not a batch key's (none ingest writes)
  }
}
