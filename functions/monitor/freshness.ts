import { openIncidents } from '../../adapters/warehouse/incident-queries.js';
import { calendarLastDay, latestUnloaded, loadedCalendars } from '../../adapters/warehouse/monitor-facts.js';
import { type WatchedDataset, watchedDatasets } from '../../adapters/warehouse/sla-store.js';
import { incidentKey } from '../../core/incidents.js';
import { checkCalendarCoverage, noCalendarFinding } from './calendar-check.js';
import { calendarFor, judgeFreshness } from './freshness-judge.js';
import { type FreshnessFacts, freshnessFinding } from './freshness-message.js';
import type { RunContext } from './run-context.js';

/**
 * Freshness by the trading calendar (docs/monitor.md): for every watched dataset, each of its last due trading
 * days (and every day with an open incident) is ok once a loaded batch covers it, else pending, late, warn or
 * error by its SLA's times. A non-trading day is never a due day. A dataset without a calendar, and a calendar
 * not extended to today, raise their own findings (calendar-check.ts).
 */
export async function checkFreshness(run: RunContext): Promise<void> {
  const { pool } = run.deps;
  const datasets = await watchedDatasets(pool);
  const calendars = await loadedCalendars(pool);
  const open = await openIncidents(pool, ['freshness']);
  const judgedCalendars = new Set<string>();
  for (const watched of datasets) {
    const dataset = watched.sla.dataset;
    if (!watched.sla.enabled) {
      await run.evaluate({
        check: 'freshness',
        subject: dataset,
        dataset,
        outcome: 'skipped',
        figures: { sla: 'off' },
      });
      continue;
    }
    const calendar = calendarFor(watched, calendars);
    const last = calendar === undefined ? null : await calendarLastDay(pool, calendar);
    await run.evaluate(
      {
        check: 'calendar',
        subject: dataset,
        dataset,
        outcome: last === null ? 'warn' : 'ok',
        figures: { calendar, calendars },
      },
      noCalendarFinding(dataset, calendar, last === null ? 'warn' : 'ok', calendars),
    );
    if (calendar === undefined || last === null) continue;
    if (!judgedCalendars.has(calendar)) {
      judgedCalendars.add(calendar);
      await checkCalendarCoverage(run, calendar, last, watched.sla);
    }
    const openDays = open
      .filter((i) => i.dataset === dataset && i.tradingDay !== null)
      .map((i) => String(i.tradingDay));
    await checkDataset(run, watched, calendar, openDays);
  }
}

async function checkDataset(run: RunContext, watched: WatchedDataset, calendar: string, openDays: string[]) {
  const { pool } = run.deps;
  const { sla } = watched;
  const judged = await judgeFreshness(pool, watched, calendar, run.now, openDays);
  const facts: Omit<FreshnessFacts, 'day' | 'batch' | 'unloaded'> = {
    sla,
    calendar,
    lastLoaded: judged.lastLoaded,
    bucket: run.deps.config.ossBucket,
    region: run.deps.config.ossRegion,
    ingestFunction: run.deps.config.ingestFunction,
  };
  for (const { day, outcome, batch, ...d } of judged.days) {
    const figures = {
      calendar,
      due: d.due.toISOString(),
      warnAt: d.warn.toISOString(),
      errorAt: d.error.toISOString(),
      batchId: batch?.batchId ?? null,
      lastLoaded: facts.lastLoaded,
    };
    const result = {
      check: 'freshness',
      subject: sla.dataset,
      dataset: sla.dataset,
      tradingDay: day,
      outcome,
      figures,
    };
    const verdict = outcome === 'ok' || outcome === 'warn' || outcome === 'error' ? outcome : undefined;
    // What did not load and could have brought the day: only looked up when someone is going to read it.
    const unloaded =
      verdict === 'warn' || verdict === 'error' ? await latestUnloaded(pool, sla.dataset, day) : undefined;
    await run.evaluate(
      result,
      verdict === undefined ? undefined : freshnessFinding({ ...facts, day, batch, unloaded }, verdict),
    );
  }
}

/** The key of a dataset's freshness incident for one trading day. */
export function freshnessKey(dataset: string, day: string): string {
  return incidentKey('freshness', dataset, day);
}
