import type { Problem } from '../errors.js';
import { type Finding, FindingLog } from '../quality/findings.js';
import { checkLine } from './line-check.js';
import type { ExperimentsLine, RunRecord } from './lines.js';

/** What the warehouse knows that the batch may refer to (the loader looks it up; the agent knows nothing). */
export interface Known {
  experiment?: boolean;
  config?: boolean;
}

export interface ExperimentsReport {
  lines: number;
  runs: number;
  metricValues: number;
  nonFinite: number;
  findings: Finding[];
  blocked: boolean;
}

const MESSAGES: Record<string, string> = {
  EXP_NOT_JSON: 'lines that are not JSON objects',
  EXP_TYPE_UNKNOWN: 'lines of an unknown type',
  EXP_STATUS_UNKNOWN: 'run statuses MLflow does not have (RUNNING, SCHEDULED, FINISHED, FAILED, KILLED)',
  EXP_METRIC_NOT_NUMBER: 'metric values that are not numbers',
  EXP_PARAM_TOO_LONG: 'param or tag keys over 250 characters or values over 65,535 bytes',
  EXP_EXPERIMENT_UNKNOWN: 'runs of an experiment neither in the batch nor in the warehouse',
  EXP_CONFIG_UNKNOWN: 'runs linked to a config neither in the batch nor in the warehouse',
  EXP_CONFIG_HASH_MISMATCH: 'configs whose hash is not the SHA-256 of their text',
  EXP_RUN_UNKNOWN: 'metric or artifact lines before (or without) their run line',
  EXP_RUN_DUPLICATE: 'runs that appear twice in the batch',
  EXP_RUN_OTHER_STORE: 'runs that another MLflow store (dataset) already loaded',
  EXP_METRIC_DUPLICATE: 'metrics that appear twice for one run',
  EXP_ARTIFACT_DUPLICATE: 'artifacts that appear twice for one run',
  EXP_LINE_TOO_LONG: 'lines longer than the limit',
  EXP_METRIC_NON_FINITE: 'NaN or infinite metric values (stored as NULL with non_finite set)',
  ROW_COUNT_MISMATCH: "the number of lines is not the manifest's rowCount",
};

/**
 * The rules of an experiments payload over the whole batch, line by line (pure: the caller reads the lines and
 * asks the warehouse). Row-level rules block; NaN and infinite metric values are kept (NULL + flag) and warned
 * about, never dropped. Every occurrence is counted, the first examples kept (reason.json).
 */
export class ExperimentsInspector {
  private readonly log = new FindingLog();
  private readonly experiments = new Set<string>();
  private readonly configs = new Set<string>();
  private readonly runs = new Set<string>();
  private readonly metricKeys = new Set<string>();
  private readonly artifactPaths = new Set<string>();
  private lineCount = 0;
  private metricValues = 0;
  private nonFinite = 0;
  private blocks = 0;

  constructor(
    private readonly expectedLines: number,
    private readonly configHash: (text: string) => string,
  ) {}

  get blocked(): boolean {
    return this.blocks > 0;
  }

  hasExperiment(id: string): boolean {
    return this.experiments.has(id);
  }

  hasConfig(hash: string): boolean {
    return this.configs.has(hash);
  }

  /** Parse and check one line; the record when it passes (the caller loads it), undefined when it does not. */
  line(text: string, line: number): ExperimentsLine | undefined {
    this.lineCount += 1;
    const checked = checkLine(text, line);
    if (!checked.ok) {
      for (const p of checked.problems) this.problem(p);
      return undefined;
    }
    return checked.record;
  }

  /** The rules that need the batch so far (and, for references, the warehouse): false when the record breaks one. */
  accept(record: ExperimentsLine, line: number, known: Known = {}): boolean {
    const before = this.blocks;
    switch (record.type) {
      case 'experiment':
        this.experiments.add(record.experimentId);
        break;
      case 'config':
        if (this.configHash(record.text) !== record.hash)
          this.fail('EXP_CONFIG_HASH_MISMATCH', line, '$.hash', record.hash);
        this.configs.add(record.hash);
        break;
      case 'run':
        this.acceptRun(record, line, known);
        break;
      case 'metric':
        this.requireRun(record.runId, line);
        this.unique(
          this.metricKeys,
          `${record.runId}\0${record.key}`,
          'EXP_METRIC_DUPLICATE',
          line,
          record.key,
        );
        this.countValues(record.history, line, record.key);
        break;
      case 'artifact':
        this.requireRun(record.runId, line);
        this.unique(
          this.artifactPaths,
          `${record.runId}\0${record.path}`,
          'EXP_ARTIFACT_DUPLICATE',
          line,
          record.path,
        );
        break;
    }
    return this.blocks === before;
  }

  /** A problem found outside the lines (a line too long, a cut stream). */
  problem(p: Problem): void {
    this.blocks += 1;
    const example = {
      ...(p.line === undefined ? {} : { line: p.line }),
      detail: p.path ? `${p.path}: ${p.message}` : p.message,
    };
    this.log.add(
      p.code,
      'block',
      MESSAGES[p.code] ?? p.message,
      p.value === undefined ? example : { ...example, value: p.value },
    );
  }

  finish(): ExperimentsReport {
    if (this.lineCount !== this.expectedLines) {
      this.log.add('ROW_COUNT_MISMATCH', 'block', MESSAGES.ROW_COUNT_MISMATCH as string, {
        detail: `manifest ${this.expectedLines}, payload ${this.lineCount}`,
      });
    }
    const findings = this.log.list();
    return {
      lines: this.lineCount,
      runs: this.runs.size,
      metricValues: this.metricValues,
      nonFinite: this.nonFinite,
      findings,
      blocked: findings.some((f) => f.severity === 'block'),
    };
  }

  private acceptRun(run: RunRecord, line: number, known: Known): void {
    if (!this.experiments.has(run.experimentId) && known.experiment !== true) {
      this.fail('EXP_EXPERIMENT_UNKNOWN', line, '$.experimentId', run.experimentId);
    }
    if (run.configHash !== null && !this.configs.has(run.configHash) && known.config !== true) {
      this.fail('EXP_CONFIG_UNKNOWN', line, '$.configHash', run.configHash);
    }
    this.unique(this.runs, run.runId, 'EXP_RUN_DUPLICATE', line, run.runId);
  }

  private requireRun(runId: string, line: number): void {
    if (!this.runs.has(runId)) this.fail('EXP_RUN_UNKNOWN', line, '$.runId', runId);
  }

  private unique(seen: Set<string>, key: string, code: string, line: number, value: string): void {
    if (seen.has(key)) this.fail(code, line, undefined, value);
    seen.add(key);
  }

  private countValues(
    history: readonly (readonly [number, number, number | string])[],
    line: number,
    key: string,
  ): void {
    this.metricValues += history.length;
    for (const [step, , value] of history) {
      if (typeof value === 'number') continue;
      this.nonFinite += 1;
      this.log.add('EXP_METRIC_NON_FINITE', 'warn', MESSAGES.EXP_METRIC_NON_FINITE as string, {
        line,
        field: key,
        value,
        detail: `step ${step}`,
      });
    }
  }

  private fail(code: string, line: number, path: string | undefined, value: string): void {
    const p: Problem = { code, message: MESSAGES[code] ?? code, line, value: value.slice(0, 80) };
    if (path !== undefined) p.path = path;
    this.problem(p);
  }
}
