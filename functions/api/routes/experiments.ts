import type { Hono } from 'hono';
import * as z from 'zod';
import {
  findConfigs,
  listConfigs,
  listExperiments,
  listRunSummaries,
  runDetail,
} from '../../../adapters/warehouse/experiments/run-queries.js';
import { checkQuery, isoInstant } from '../../../core/api/params.js';
import { readRunsRequest, runsCursor } from '../../../core/api/runs-request.js';
import { requireScope } from '../auth.js';
import type { ApiEnv } from '../deps.js';
import { badParameters, HttpError, notFound } from '../http-error.js';
import { configView, linkable, runSummaryView } from '../run-views.js';

/** How long an artifact link stays valid (within the function's STS credentials' lifetime). */
export const ARTIFACT_LINK_SECONDS = 900;
const NO_PARAMS = z.object({});
const CONFIG_PARAMS = z.object({ format: z.enum(['json', 'yaml'], 'must be json or yaml').optional() });

/**
 * Experiment results served (docs/api.md, "Experiments"; issue 12 item 9): experiments, runs sorted by a summary
 * column, one run with everything stored of it and presigned links to its artifacts, and the model configs as the
 * YAML qrun takes (`qlib-sync configs get`).
 */
export function experimentRoutes(app: Hono<ApiEnv>): void {
  app.get('/v1/experiments', requireScope('read:data'), async (c) => {
    const checked = checkQuery(NO_PARAMS, c.req.query(), []);
    if (!checked.ok) throw badParameters(checked.problems);
    const rows = await listExperiments(c.env.pool);
    return c.json({
      experiments: rows.map((r) => ({
        store: r.store,
        experimentId: r.experiment_id,
        name: r.name,
        lifecycleStage: r.lifecycle_stage,
        createdAt: isoInstant(r.created_at),
        updatedAt: isoInstant(r.updated_at),
        runs: Number(r.runs),
        tags: r.tags,
      })),
    });
  });

  app.get('/v1/runs', requireScope('read:data'), async (c) => {
    const read = readRunsRequest(c.req.query());
    if (!read.ok) throw badParameters(read.problems);
    const q = read.value;
    const rows = await listRunSummaries(c.env.pool, { ...q, limit: q.limit + 1 });
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    const value = last?.[q.orderBy] ?? null;
    const next =
      rows.length > page.length && last !== undefined
        ? runsCursor({ isNull: value === null, value, runId: String(last.run_id) })
        : null;
    return c.json({ orderBy: q.orderBy, desc: q.desc, runs: page.map(runSummaryView), next });
  });

  app.get('/v1/runs/:id', requireScope('read:data'), async (c) => {
    const id = c.req.param('id');
    const d = /^[0-9a-zA-Z_-]{1,64}$/.test(id) ? await runDetail(c.env.pool, id) : undefined;
    if (d === undefined) throw notFound(`run ${id}`);
    const metrics: Record<string, unknown[]> = {};
    for (const m of d.metrics) {
      const history = metrics[m.metric_key] ?? [];
      history.push({
        step: Number(m.step),
        timestamp: Number(m.ts_ms),
        value: m.value,
        nonFinite: m.non_finite,
      });
      metrics[m.metric_key] = history;
    }
    const configHash: string | null = d.run.config_hash ?? null;
    const [config] = configHash === null ? [] : await findConfigs(c.env.pool, configHash);
    const expiresAt = new Date(c.env.now().getTime() + ARTIFACT_LINK_SECONDS * 1000).toISOString();
    return c.json({
      ...(d.summary === undefined ? runSummaryView({ ...d.run, ic: null }) : runSummaryView(d.summary)),
      experiment: d.run.experiment_name ?? null,
      artifactUri: d.run.artifact_uri,
      loadedAt: isoInstant(d.run.loaded_at),
      batchId: d.run.batch_id,
      params: Object.fromEntries(d.params.map((p) => [p.param_key, p.param_value])),
      tags: Object.fromEntries(d.tags.map((t) => [t.tag_key, t.tag_value])),
      metrics,
      excessReturns: d.excess.map((e) => ({
        frequency: e.frequency,
        cost: e.cost,
        mean: e.mean,
        std: e.std,
        annualizedReturn: e.annualized_return,
        informationRatio: e.information_ratio,
        maxDrawdown: e.max_drawdown,
      })),
      config:
        config === undefined ? null : { ...configView(config), href: `/v1/configs/${config.config_hash}` },
      artifacts: d.artifacts.map((a) => ({
        path: a.path,
        bytes: Number(a.bytes),
        sha256: a.sha256,
        key: a.object_key,
        // Only what the agent uploaded has a key, and only keys under artifacts/ are signed (the role may read
        // nothing else either); a link is signed, never fetched, here.
        url: linkable(a.object_key) ? c.env.cloud.signedGet(a.object_key, ARTIFACT_LINK_SECONDS) : null,
        urlExpiresAt: linkable(a.object_key) ? expiresAt : null,
      })),
    });
  });

  app.get('/v1/configs', requireScope('read:data'), async (c) => {
    const checked = checkQuery(NO_PARAMS, c.req.query(), []);
    if (!checked.ok) throw badParameters(checked.problems);
    const rows = await listConfigs(c.env.pool);
    return c.json({ configs: rows.map((r) => ({ ...configView(r), runs: Number(r.runs) })) });
  });

  app.get('/v1/configs/:ref', requireScope('read:data'), async (c) => {
    const checked = checkQuery(CONFIG_PARAMS, c.req.query(), ['format']);
    if (!checked.ok) throw badParameters(checked.problems);
    const ref = c.req.param('ref');
    const found = ref.length <= 255 ? await findConfigs(c.env.pool, ref) : [];
    const [config] = found;
    if (config === undefined) {
      throw new HttpError(404, 'CONFIG_NOT_FOUND', `no model config has the hash or name ${ref}`, {
        hint: 'GET /v1/configs lists them (qlib-sync configs list)',
      });
    }
    if (found.length > 1) {
      const hashes = found.map((f) => String(f.config_hash).slice(0, 12));
      throw new HttpError(409, 'CONFIG_AMBIGUOUS', `${found.length} model configs match ${ref}`, {
        hint: `name one by its hash: ${hashes.join(', ')} (newest first)`,
      });
    }
    const headers = { 'x-config-hash': String(config.config_hash) };
    if (checked.value.format === 'yaml') {
      return c.body(String(config.config_text), 200, {
        ...headers,
        'content-type': 'text/yaml; charset=utf-8',
      });
    }
    return c.json({ ...configView(config), text: String(config.config_text) }, 200, headers);
  });
}
