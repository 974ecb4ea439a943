import { loadedCalendars } from '../../adapters/warehouse/monitor-facts.js';
import { watchedDatasets } from '../../adapters/warehouse/sla-store.js';
import { type Sla, type SlaState, slaStateOf } from '../../core/sla.js';
import { calendarFor, judgeFreshness } from '../monitor/freshness-judge.js';
import type { ApiDeps } from './deps.js';

/** A dataset's SLA and its state now, as the API and the status page show it (docs/api.md, "SLA state"). */
export interface SlaStateView {
  /** on_time, not_due, late, warn, error; `off`: the SLA is disabled; `no_calendar`: nothing to judge by */
  state: SlaState | 'off' | 'no_calendar';
  sla: Omit<Sla, 'dataset'>;
  calendar: string | null;
  lastLoaded: string | null;
  /** the due trading days the monitor looks at, each with its outcome and deadlines */
  days: {
    day: string;
    outcome: string;
    due: string;
    warnAt: string;
    errorAt: string;
    batchId: string | null;
  }[];
}

/**
 * The SLA state of every dataset the monitor watches, by the monitor's own computation
 * (functions/monitor/freshness-judge.ts) at the request's time.
 */
export async function slaStates(deps: ApiDeps): Promise<Map<string, SlaStateView>> {
  const now = deps.now();
  const calendars = await loadedCalendars(deps.pool);
  const out = new Map<string, SlaStateView>();
  for (const watched of await watchedDatasets(deps.pool)) {
    const { dataset, ...sla } = watched.sla;
    const calendar = calendarFor(watched, calendars) ?? null;
    if (!sla.enabled || calendar === null) {
      const state = sla.enabled ? 'no_calendar' : 'off';
      out.set(dataset, { state, sla, calendar, lastLoaded: null, days: [] });
      continue;
    }
    const judged = await judgeFreshness(deps.pool, watched, calendar, now);
    out.set(dataset, {
      state: slaStateOf(judged.days.map((d) => d.outcome)),
      sla,
      calendar,
      lastLoaded: judged.lastLoaded,
      days: judged.days.map((d) => ({
        day: d.day,
        outcome: d.outcome,
        due: d.due.toISOString(),
        warnAt: d.warn.toISOString(),
        errorAt: d.error.toISOString(),
        batchId: d.batch?.batchId ?? null,
      })),
    });
  }
  return out;
}
