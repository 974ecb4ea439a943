import { finishRun, pruneResults, recordResults, startRun } from '../../adapters/warehouse/monitor-runs.js';
import type { MonitorDeps } from './deps.js';
import { RUN_LIMITS } from './deps.js';
import { checkDrift } from './drift.js';
import { drainFailures } from './failures.js';
import { checkFreshness } from './freshness.js';
import { publishRun } from './publish.js';
import { redriveStuck } from './redrive.js';
import { resolveEvents } from './resolve.js';
import { RunContext } from './run-context.js';
import { afterCompletedRun, checkWatcher } from './watcher.js';

/** What one run did, as the handler returns it and monitor_runs records it. */
export interface MonitorReport {
  runId: number;
  status: 'completed' | 'failed';
  scheduledAt: string;
  checks: number;
  outcomes: Record<string, number>;
  transitions: Array<{ incident: string; transition: string; severity: string }>;
  redriven: number;
  published: number;
  errors: Array<{ step: string; message: string }>;
}

/** The checks, in order: each one's failure is recorded and the others still run. */
const STEPS: ReadonlyArray<[string, (run: RunContext) => Promise<void>]> = [
  ['watcher', checkWatcher],
  ['failures', drainFailures],
  ['redrive', redriveStuck],
  ['freshness', checkFreshness],
  ['drift', checkDrift],
  ['resolve', resolveEvents],
];

/**
 * One monitor run (docs/monitor.md) as of `now` (the timer's scheduled time): every check, every finding applied to
 * its incident (conditional writes: overlapping runs and FC's retries of the timer event send each message once),
 * the outbox published, every evaluation recorded, and the run itself in monitor_runs.
 */
export async function runMonitor(deps: MonitorDeps, now: Date): Promise<MonitorReport> {
  const runId = await startRun(deps.pool, deps.requestId, now);
  const run = new RunContext(deps, runId, now);
  for (const [name, step] of STEPS) await guard(run, name, () => step(run));
  if (run.errors.length === 0) await guard(run, 'completed', () => afterCompletedRun(run));
  let published = 0;
  await guard(run, 'publish', async () => {
    published = await publishRun(run);
  });
  await guard(run, 'history', async () => {
    await recordResults(deps.pool, runId, now, run.results);
    await pruneResults(deps.pool, new Date(now.getTime() - RUN_LIMITS.historyDays * 86_400_000), 5000);
  });
  const report = reportOf(run, published);
  await finishRun(deps.pool, runId, {
    status: report.status,
    counts: {
      checks: report.checks,
      transitions: report.transitions.length,
      redriven: run.redriven,
      published,
    },
    summary: { outcomes: report.outcomes, transitions: report.transitions },
    ...(report.errors.length > 0
      ? { error: report.errors.map((e) => `${e.step}: ${e.message}`).join('\n') }
      : {}),
  });
  return report;
}

async function guard(run: RunContext, step: string, work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (error) {
    run.fail(step, error);
  }
}

function reportOf(run: RunContext, published: number): MonitorReport {
  const outcomes: Record<string, number> = {};
  for (const r of run.results)
    outcomes[`${r.check}:${r.outcome}`] = (outcomes[`${r.check}:${r.outcome}`] ?? 0) + 1;
  return {
    runId: run.runId,
    status: run.errors.length === 0 ? 'completed' : 'failed',
    scheduledAt: run.now.toISOString(),
    checks: run.results.length,
    outcomes,
    transitions: run.transitions.map((t) => ({
      incident: t.key,
      transition: t.transition,
      severity: t.severity,
    })),
    redriven: run.redriven,
    published,
    errors: run.errors.map((e) => ({
      step: e.step,
      message: e.error instanceof Error ? e.error.message : String(e.error),
    })),
  };
}
