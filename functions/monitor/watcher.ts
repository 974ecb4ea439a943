import { type OpenIncident, openIncidents } from '../../adapters/warehouse/incident-queries.js';
import { lastCompletedRun } from '../../adapters/warehouse/monitor-runs.js';
import type { IncidentFinding } from '../../core/incident-message.js';
import { incidentKey } from '../../core/incidents.js';
import { resolvedFinding } from './resolve.js';
import type { RunContext } from './run-context.js';

/**
 * The watcher is watched: when no run has completed for two MONITOR_INTERVAL_MINUTES before this one (by the
 * timers' scheduled times), this run opens `monitor_silent` (keyed by the last completed run, so one gap is one
 * incident), and resolves it once it completes itself (afterCompletedRun).
 */
export async function checkWatcher(run: RunContext): Promise<void> {
  const last = await lastCompletedRun(run.deps.pool, run.runId);
  const interval = run.deps.config.monitorIntervalMinutes;
  if (last === undefined) {
    await run.evaluate({
      check: 'monitor',
      subject: 'qlib-monitor',
      outcome: 'ok',
      figures: { firstRun: true },
    });
    return;
  }
  const lastAt = new Date(`${last.scheduledAt.replace(' ', 'T')}Z`);
  const gapMinutes = Math.round((run.now.getTime() - lastAt.getTime()) / 60_000);
  const silent = gapMinutes > 2 * interval;
  const figures = { lastCompleted: lastAt.toISOString(), gapMinutes, intervalMinutes: interval };
  await run.evaluate(
    { check: 'monitor', subject: 'qlib-monitor', outcome: silent ? 'warn' : 'ok', figures },
    silent ? silentFinding(lastAt, gapMinutes, interval) : undefined,
  );
}

/** After this run completed: the monitor's own silence and its own FC failures are over. */
export async function afterCompletedRun(run: RunContext): Promise<void> {
  const open = await openIncidents(run.deps.pool, ['monitor_silent', 'fc_failure']);
  const own = (i: OpenIncident) =>
    i.check === 'monitor_silent' ||
    (i.check === 'fc_failure' && i.subject === run.deps.functionName && i.batchId === null);
  for (const incident of open.filter(own)) {
    const headline = `the monitor completed a run (scheduled ${run.now.toISOString()})`;
    await run.evaluate(
      { check: incident.check, subject: incident.subject, outcome: 'ok' },
      resolvedFinding(incident, headline),
    );
  }
}

function silentFinding(lastAt: Date, gapMinutes: number, interval: number): IncidentFinding {
  return {
    check: 'monitor_silent',
    subject: 'qlib-monitor',
    key: incidentKey('monitor_silent', 'qlib-monitor', lastAt.toISOString()),
    verdict: 'warn',
    code: 'MONITOR_SILENT',
    headline: `the monitor completed no run for ${gapMinutes} min (last ${lastAt.toISOString()}; every ${interval} min expected)`,
    what: [
      `no monitor run completed between ${lastAt.toISOString()} and this one: nothing was checked, re-driven or retried meanwhile`,
      'this run catches up on every check',
    ],
    where: { runs: 'SELECT * FROM monitor_runs ORDER BY scheduled_at DESC LIMIT 10' },
    todo: [
      "look at the failed runs (status failed, error) and the monitor function's log; is its timer trigger enabled?",
    ],
  };
}
