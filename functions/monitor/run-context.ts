import type { AppliedTransition } from '../../adapters/warehouse/incident-store.js';
import type { CheckResult } from '../../adapters/warehouse/monitor-runs.js';
import type { IncidentFinding } from '../../core/incident-message.js';
import type { MonitorDeps } from './deps.js';

/**
 * One run's bookkeeping: every evaluation (recorded as check_results at the end), the incident transitions the
 * findings caused (their messages are published at the end), and the steps that failed.
 */
export class RunContext {
  readonly results: CheckResult[] = [];
  readonly transitions: AppliedTransition[] = [];
  readonly errors: Array<{ step: string; error: unknown }> = [];
  redriven = 0;

  constructor(
    readonly deps: MonitorDeps,
    readonly runId: number,
    /** the run's time: the timer's triggerTime (so a retried event judges the same moment) */
    readonly now: Date,
  ) {}

  /** Record an evaluation; its finding (if any) is applied to its incident at once. */
  async evaluate(result: CheckResult, finding?: IncidentFinding): Promise<AppliedTransition | undefined> {
    this.results.push(finding === undefined ? result : { ...result, incidentKey: finding.key });
    if (finding === undefined) return undefined;
    const applied = await this.deps.incidents.apply(this.deps.pool, finding, this.now);
    if (applied !== undefined) {
      this.transitions.push(applied);
      this.deps.logger.info('incident changed', {
        incident: applied.key,
        transition: applied.transition,
        severity: applied.severity,
      });
    }
    return applied;
  }

  fail(step: string, error: unknown): void {
    this.errors.push({ step, error });
    this.deps.logger.error('monitor step failed; the other steps go on', { step, error });
  }
}
