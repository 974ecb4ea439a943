import type { Hono } from 'hono';
import { catalog } from '../../../adapters/warehouse/catalog.js';
import { listIncidents } from '../../../adapters/warehouse/incident-queries.js';
import { unsettledBatches } from '../../../adapters/warehouse/load-history.js';
import { monitorHealth } from '../../../adapters/warehouse/monitor-runs.js';
import { isoInstant } from '../../../core/api/params.js';
import { requireScope } from '../auth.js';
import { CalendarCache } from '../dataset-summary.js';
import { dayStrip } from '../day-strips.js';
import type { ApiEnv } from '../deps.js';
import { slaStates } from '../sla-states.js';
import { batchView } from './batches.js';
import { incidentView } from './incidents.js';

const OPEN_SHOWN = 100;

/**
 * GET /v1/health: the pipeline's state now — per active dataset its last loaded day, its SLA state (the monitor's
 * computation) and the late / missing / quarantined days of the last 60 trading days; the batches not settled
 * (loading, failed); the open incidents; and the monitor's last run — the watcher is watched: `monitor.stale`
 * when no run completed for two MONITOR_INTERVAL_MINUTES. `status` is `attention` when any of those needs a
 * person (docs/api.md).
 */
export function healthRoutes(app: Hono<ApiEnv>): void {
  app.get('/v1/health', requireScope('read:status'), async (c) => {
    const cache = new CalendarCache(c.env);
    const states = await slaStates(c.env);
    const datasets = [];
    for (const entry of await catalog(c.env.pool)) {
      if (entry.retiredAt !== null || entry.kind !== 'factors') continue;
      const strip = await dayStrip(c.env, entry, cache);
      const days = (state: string) => strip.cells.filter((d) => d.state === state).map((d) => d.day);
      const loaded = strip.cells.filter((d) => d.state === 'loaded' || d.state === 'restated');
      datasets.push({
        dataset: entry.dataset,
        lastLoadedDay: loaded.at(-1)?.day ?? null,
        sla: states.get(entry.dataset)?.state ?? null,
        late: days('late'),
        missing: days('missing'),
        quarantined: days('quarantined'),
      });
    }
    const unsettled = (await unsettledBatches(c.env.pool)).map((b) => ({
      ...batchView(b),
      leaseExpired: b.leaseExpired,
    }));
    const open = await listIncidents(c.env.pool, { state: 'open', limit: OPEN_SHOWN + 1 });
    const monitor = await monitorState(c.env.pool, c.env.config.monitorIntervalMinutes, c.env.now());
    const attention =
      unsettled.length > 0 ||
      open.length > 0 ||
      monitor.stale ||
      datasets.some(
        (d) =>
          d.late.length + d.missing.length + d.quarantined.length > 0 ||
          d.sla === 'warn' ||
          d.sla === 'error',
      );
    return c.json({
      status: attention ? 'attention' : 'ok',
      checkedAt: c.env.now().toISOString(),
      datasets,
      batches: { unsettled },
      incidents: {
        open: open.slice(0, OPEN_SHOWN).map(incidentView),
        more: open.length > OPEN_SHOWN,
      },
      monitor,
    });
  });
}

/** The monitor's last runs (monitor_runs) and whether it has gone quiet. */
async function monitorState(pool: Parameters<typeof monitorHealth>[0], intervalMinutes: number, now: Date) {
  const h = await monitorHealth(pool, intervalMinutes, now);
  return {
    stale: h.stale,
    intervalMinutes,
    lastCompleted:
      h.lastCompleted === undefined
        ? null
        : {
            id: h.lastCompleted.id,
            scheduledAt: isoInstant(h.lastCompleted.scheduledAt),
            finishedAt: isoInstant(h.lastCompleted.finishedAt),
          },
    lastStarted:
      h.lastStarted === undefined
        ? null
        : { ...h.lastStarted, scheduledAt: isoInstant(h.lastStarted.scheduledAt) },
    message: h.stale
      ? h.lastCompleted === undefined
        ? 'the monitor has never completed a run: is its timer trigger deployed and enabled?'
        : `the monitor has completed no run for more than two intervals (${2 * intervalMinutes} min)`
      : null,
  };
}
