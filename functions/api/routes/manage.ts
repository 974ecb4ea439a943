import type { Hono } from 'hono';
import { changesOf, recordChange } from '../../../adapters/warehouse/admin-changes.js';
import { calendars } from '../../../adapters/warehouse/catalog.js';
import { findBatch } from '../../../adapters/warehouse/load-history.js';
import { selectPrepared } from '../../../adapters/warehouse/prepared.js';
import { redriveHistory } from '../../../adapters/warehouse/redrive-store.js';
import { setSla, showSla } from '../../../adapters/warehouse/sla-store.js';
import { readSlaChange } from '../../../core/api/sla-body.js';
import { isTerminal } from '../../../core/errors.js';
import type { BatchKind } from '../../../core/keys.js';
import { redriveOne } from '../../monitor/redrive.js';
import { requireScope } from '../auth.js';
import type { ApiEnv } from '../deps.js';
import { badParameters, HttpError, notFound } from '../http-error.js';
import { jsonBody } from '../request-body.js';
import { slaStates } from '../sla-states.js';
import { changeView } from './change-view.js';
import { registeredDataset } from './lookup.js';

/**
 * Managing beyond the registry's settings (docs/api.md, "Managing"): a dataset's freshness SLA, by the same
 * validation and store as `npm run sla` (core/sla.ts, adapters/warehouse/sla-store.ts), and re-driving a batch,
 * by the monitor's own re-drive (functions/monitor/redrive.ts: FC 3.0 InvokeFunction, as `npm run redrive`).
 * Every change is an admin_changes row of the dataset, shown by /v1/datasets/{dataset}/changes.
 */
export function manageRoutes(app: Hono<ApiEnv>): void {
  app.get('/v1/datasets/:dataset/sla', requireScope('read:data', 'read:status'), async (c) => {
    const entry = await registeredDataset(c.env, c.req.param('dataset'));
    const view = await showSla(c.env.pool, entry.dataset);
    return c.json({ ...view, now: (await slaStates(c.env)).get(entry.dataset) ?? null });
  });

  app.put('/v1/datasets/:dataset/sla', requireScope('admin'), async (c) => {
    const entry = await registeredDataset(c.env, c.req.param('dataset'));
    const read = readSlaChange(await jsonBody(c));
    if (!read.ok) throw badParameters(read.problems);
    const { note, ...change } = read.value;
    const calendar = change.set.calendar;
    if (typeof calendar === 'string' && !(await calendars(c.env.pool)).some((k) => k.calendar === calendar)) {
      throw new HttpError(400, 'BAD_PARAMETERS', `calendar ${calendar} is not loaded`, {
        problems: [{ code: 'BODY_VALUE', param: 'calendar', message: 'is not a loaded calendar' }],
        hint: 'GET /v1/calendars lists the loaded calendars',
      });
    }
    const actor = { name: c.get('caller').name, requestId: c.env.requestId, ...(note ? { note } : {}) };
    let changeId: number | undefined;
    try {
      await setSla(c.env.pool, entry.dataset, change, `api:${actor.name}`, async (conn, before, after) => {
        if (JSON.stringify(before.own) === JSON.stringify(after.own)) return;
        changeId = await recordChange(conn, 'dataset', entry.dataset, 'sla', before.own, after.own, actor);
      });
    } catch (error) {
      if (isTerminal(error) && error.code === 'SLA_ORDER') {
        throw new HttpError(400, 'SLA_ORDER', error.message, {
          problems: [{ code: 'SLA_ORDER', param: 'body', message: error.message }],
          hint: 'the times must be in order: due ≤ warnAfter ≤ errorAfter',
        });
      }
      throw error;
    }
    c.env.logger.info('dataset SLA changed', { dataset: entry.dataset, actor: actor.name, changeId });
    const recorded = (await changesOf(c.env.pool, 'dataset', entry.dataset, 1)).filter(
      (x) => x.id === changeId,
    );
    const view = await showSla(c.env.pool, entry.dataset);
    return c.json({
      sla: { ...view, now: (await slaStates(c.env)).get(entry.dataset) ?? null },
      changes: recorded.map(changeView),
    });
  });

  app.post('/v1/batches/:id/redrive', requireScope('admin'), async (c) => {
    const batch = await findBatch(c.env.pool, c.req.param('id'));
    if (batch === undefined) throw notFound(`batch ${c.req.param('id')}`);
    const body = c.req.header('content-type') === undefined ? {} : await jsonBody(c);
    const note = (body as { note?: unknown } | null)?.note;
    if (note !== undefined && (typeof note !== 'string' || note.length > 255)) {
      throw badParameters([
        { code: 'BODY_VALUE', param: 'note', message: 'must be text of at most 255 characters' },
      ]);
    }
    const candidate = {
      batchId: batch.batchId,
      kind: batch.kind as BatchKind,
      dataset: batch.dataset,
      manifestKey: await manifestKeyOf(c.env.pool, batch.batchId),
      reason: 'manual' as const,
    };
    const count = (await redriveHistory(c.env.pool, [batch.batchId])).get(batch.batchId)?.count ?? 0;
    const result = await redriveOne(c.env.cloud.redrive, candidate, count + 1, null, c.env.now());
    const actor = { name: c.get('caller').name, requestId: c.env.requestId, ...(note ? { note } : {}) };
    const before = { batchId: batch.batchId, status: batch.status, attempts: batch.attempts };
    const [change] = await recordRedrive(
      c.env,
      batch.dataset,
      before,
      { redrive: count + 1, ...result },
      actor,
    );
    c.env.logger.info('batch re-driven by hand', { batchId: batch.batchId, actor: actor.name, ...result });
    const answer = { batchId: batch.batchId, redrive: count + 1, ...result, change: change ?? null };
    switch (result.outcome) {
      case 'invoked':
        return c.json(answer, 202);
      case 'taken':
        throw new HttpError(
          409,
          'REDRIVE_TAKEN',
          `another re-drive of ${batch.batchId} is claimed right now`,
          {
            hint: 'try again in a moment; GET /v1/batches/{id} shows its events',
          },
        );
      case 'manifest_missing':
        throw new HttpError(409, 'MANIFEST_MISSING', `${candidate.manifestKey} is not in incoming/`, {
          hint: 'a settled batch has moved to loaded/ or quarantine/: push it again with the agent',
        });
      case 'invoke_failed':
        throw new HttpError(503, 'INVOKE_FAILED', `FC refused the invocation: ${result.error}`);
    }
  });
}

/** The re-drive in the dataset's change log (whatever its outcome: an attempt is a change someone made). */
async function recordRedrive(
  env: ApiEnv['Bindings'],
  dataset: string,
  before: unknown,
  after: unknown,
  actor: { name: string; requestId: string; note?: string },
) {
  const conn = await env.pool.getConnection();
  try {
    const id = await recordChange(conn, 'dataset', dataset, 'redrive', before, after, actor);
    return (await changesOf(conn, 'dataset', dataset, 5)).filter((x) => x.id === id).map(changeView);
  } finally {
    conn.release();
  }
}

/** The ledger's manifest key of a batch (where ingest found it, under incoming/). */
async function manifestKeyOf(pool: ApiEnv['Bindings']['pool'], batchId: string): Promise<string> {
  const [row] = await selectPrepared(pool, 'SELECT manifest_key FROM batches WHERE batch_id = ?', [batchId]);
  return String(row?.manifest_key);
}
