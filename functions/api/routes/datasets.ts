import type { Hono } from 'hono';
import * as z from 'zod';
import { changeDataset, changesOf } from '../../../adapters/warehouse/admin-changes.js';
import { calendars, catalog } from '../../../adapters/warehouse/catalog.js';
import { readDatasetPatch } from '../../../core/api/dataset-patch.js';
import { checkQuery } from '../../../core/api/params.js';
import { requireScope } from '../auth.js';
import { CalendarCache, datasetSummary } from '../dataset-summary.js';
import type { ApiEnv } from '../deps.js';
import { badParameters, HttpError } from '../http-error.js';
import { jsonBody } from '../request-body.js';
import { slaStates } from '../sla-states.js';
import { changeView } from './change-view.js';
import { registeredDataset } from './lookup.js';

const NO_PARAMS = z.object({});

/** The registry: list and read datasets, their change log, and (admin) change their settings. */
export function datasetRoutes(app: Hono<ApiEnv>): void {
  app.get('/v1/datasets', requireScope('read:data', 'read:status'), async (c) => {
    const checked = checkQuery(NO_PARAMS, c.req.query(), []);
    if (!checked.ok) throw badParameters(checked.problems);
    const cache = new CalendarCache(c.env);
    const states = await slaStates(c.env);
    const datasets = [];
    for (const entry of await catalog(c.env.pool)) {
      datasets.push(await datasetSummary(c.env, entry, cache, states.get(entry.dataset) ?? null));
    }
    return c.json({ datasets });
  });

  app.get('/v1/datasets/:dataset', requireScope('read:data', 'read:status'), async (c) => {
    const entry = await registeredDataset(c.env, c.req.param('dataset'));
    const sla = (await slaStates(c.env)).get(entry.dataset) ?? null;
    return c.json(await datasetSummary(c.env, entry, new CalendarCache(c.env), sla));
  });

  app.get('/v1/datasets/:dataset/changes', requireScope('read:status'), async (c) => {
    const entry = await registeredDataset(c.env, c.req.param('dataset'));
    const changes = await changesOf(c.env.pool, 'dataset', entry.dataset);
    return c.json({ dataset: entry.dataset, changes: changes.map(changeView) });
  });

  app.patch('/v1/datasets/:dataset', requireScope('admin'), async (c) => {
    const entry = await registeredDataset(c.env, c.req.param('dataset'));
    const read = readDatasetPatch(await jsonBody(c));
    if (!read.ok) throw badParameters(read.problems);
    const { note, ...patch } = read.value;
    if (
      typeof patch.calendar === 'string' &&
      !(await calendars(c.env.pool)).some((k) => k.calendar === patch.calendar)
    ) {
      throw new HttpError(400, 'BAD_PARAMETERS', `calendar ${patch.calendar} is not loaded`, {
        problems: [{ code: 'BODY_VALUE', param: 'calendar', message: 'is not a loaded calendar' }],
        hint: 'GET /v1/calendars lists the loaded calendars',
      });
    }
    const actor = { name: c.get('caller').name, requestId: c.env.requestId, note };
    const changes = (await changeDataset(c.env.pool, entry.dataset, patch, actor)) ?? [];
    c.env.logger.info('dataset settings changed', {
      dataset: entry.dataset,
      actor: actor.name,
      settings: changes.map((x) => x.setting),
    });
    const after = await registeredDataset(c.env, entry.dataset);
    return c.json({
      dataset: await datasetSummary(c.env, after, new CalendarCache(c.env)),
      changes: changes.map(changeView),
    });
  });
}
