import type { Hono } from 'hono';
import { catalog } from '../../../adapters/warehouse/catalog.js';
import { unsettledBatches } from '../../../adapters/warehouse/load-history.js';
import { requireScope } from '../auth.js';
import { CalendarCache } from '../dataset-summary.js';
import { dayStrip } from '../day-strips.js';
import type { ApiEnv } from '../deps.js';
import { batchView } from './batches.js';

/**
 * GET /v1/health: the pipeline's state now — per active dataset its last loaded day and the late / missing /
 * quarantined days of the last 60 trading days, and the batches not settled (loading, failed). `status` is
 * `attention` when any of those needs a person. Incidents and the monitor's last run join here when the
 * monitor lands (docs/api.md).
 */
export function healthRoutes(app: Hono<ApiEnv>): void {
  app.get('/v1/health', requireScope('read:status'), async (c) => {
    const cache = new CalendarCache(c.env);
    const datasets = [];
    for (const entry of await catalog(c.env.pool)) {
      if (entry.retiredAt !== null || entry.kind !== 'factors') continue;
      const strip = await dayStrip(c.env, entry, cache);
      const days = (state: string) => strip.cells.filter((d) => d.state === state).map((d) => d.day);
      const loaded = strip.cells.filter((d) => d.state === 'loaded' || d.state === 'restated');
      datasets.push({
        dataset: entry.dataset,
        lastLoadedDay: loaded.at(-1)?.day ?? null,
        late: days('late'),
        missing: days('missing'),
        quarantined: days('quarantined'),
      });
    }
    const unsettled = (await unsettledBatches(c.env.pool)).map((b) => ({
      ...batchView(b),
      leaseExpired: b.leaseExpired,
    }));
    const attention =
      unsettled.length > 0 ||
      datasets.some((d) => d.late.length + d.missing.length + d.quarantined.length > 0);
    return c.json({
      status: attention ? 'attention' : 'ok',
      checkedAt: c.env.now().toISOString(),
      datasets,
      batches: { unsettled },
    });
  });
}
