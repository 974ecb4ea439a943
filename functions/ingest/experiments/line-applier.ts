import type { PoolConnection } from 'mysql2/promise';
import type { ExperimentWriter } from '../../../adapters/warehouse/experiments/experiment-writer.js';
import { writeSummary } from '../../../adapters/warehouse/experiments/summary-writer.js';
import type { Predecessor } from '../../../adapters/warehouse/restatement.js';
import type { ExperimentsInspector } from '../../../core/experiments/inspector.js';
import {
  type ExperimentsLine,
  type MetricRecord,
  NON_FINITE,
  type RunRecord,
} from '../../../core/experiments/lines.js';
import { snapshotOf } from '../../../core/experiments/snapshot.js';
import { FiguresBuilder } from '../../../core/experiments/summary.js';

interface RunInBatch {
  record: RunRecord;
  figures: FiguresBuilder;
}

/**
 * Applies the lines of an experiments batch, in order, inside the load transaction: each line is checked (the
 * inspector), its references resolved against the batch and the warehouse, and written while nothing has blocked.
 * After a blocking finding the lines are still read and checked to the end (reason.json counts every problem) but
 * nothing more is written; the caller rolls back. A run that a later batch already wrote (an out-of-order
 * delivery) is left as it is, with its lines: the newer state wins.
 */
export class LineApplier {
  private readonly runs = new Map<string, RunInBatch>();
  private readonly stale = new Set<string>();
  private readonly configs = new Map<string, string | null>();
  private readonly predecessors = new Map<string, number>();
  private readonly staleExamples: { line: number; value: string; detail: string }[] = [];

  constructor(
    private readonly writer: ExperimentWriter,
    private readonly inspector: ExperimentsInspector,
    private readonly store: string,
    private readonly batchId: string,
  ) {}

  async line(text: string, line: number): Promise<void> {
    const record = this.inspector.line(text, line);
    if (record === undefined) return;
    const known = await this.resolve(record);
    if (!this.inspector.accept(record, line, known) || this.inspector.blocked) return;
    await this.apply(record, line);
  }

  /** Runs restated by this batch: the batches that wrote them before, most recent first, with run counts. */
  restated(): Predecessor[] {
    return [...this.predecessors.entries()]
      .map(([batchId, rows]) => ({ batchId, rows }))
      .sort((a, b) => (a.batchId < b.batchId ? 1 : -1));
  }

  /** Runs left alone because a later batch already wrote them. */
  staleRuns(): { count: number; examples: { line: number; value: string; detail: string }[] } {
    return { count: this.stale.size, examples: this.staleExamples.slice(0, 10) };
  }

  get runCount(): number {
    return this.runs.size;
  }

  /** After the last line: the summaries of the runs written, and every buffered row. */
  async finish(
    conn: PoolConnection,
  ): Promise<{ params: number; tags: number; metrics: number; artifacts: number }> {
    const counts = await this.writer.flush();
    for (const { record, figures } of this.runs.values()) {
      await writeSummary(conn, {
        store: this.store,
        batchId: this.batchId,
        run: record,
        figures: figures.result(),
        modelClass: record.configHash === null ? null : await this.modelClass(record.configHash),
        snapshotId: snapshotOf(record.tags),
      });
    }
    return counts;
  }

  private async resolve(record: ExperimentsLine): Promise<{ experiment?: boolean; config?: boolean }> {
    if (record.type !== 'run') return {};
    const experiment =
      this.inspector.hasExperiment(record.experimentId) ||
      (await this.writer.hasExperiment(record.experimentId));
    const hash = record.configHash;
    if (hash === null || this.inspector.hasConfig(hash)) return { experiment };
    const stored = await this.writer.configModelClass(hash);
    if (stored.found) this.configs.set(hash, stored.modelClass);
    return { experiment, config: stored.found };
  }

  private async apply(record: ExperimentsLine, line: number): Promise<void> {
    switch (record.type) {
      case 'experiment': {
        const last = await this.writer.experimentBatch(record.experimentId);
        if (last === undefined || last <= this.batchId) await this.writer.writeExperiment(record);
        return;
      }
      case 'config':
        this.configs.set(record.hash, record.fields.modelClass);
        await this.writer.writeConfig(record);
        return;
      case 'run':
        return this.applyRun(record, line);
      case 'metric':
        return this.applyMetric(record);
      case 'artifact':
        if (!this.stale.has(record.runId)) await this.writer.writeArtifact(record);
        return;
    }
  }

  private async applyRun(run: RunRecord, line: number): Promise<void> {
    const stored = await this.writer.storedRun(run.runId);
    if (stored !== undefined && stored.store !== this.store) {
      const message = `run ${run.runId} belongs to the MLflow store ${stored.store}: push it with --dataset ${stored.store}`;
      this.inspector.problem({
        code: 'EXP_RUN_OTHER_STORE',
        message,
        line,
        path: '$.runId',
        value: run.runId,
      });
      return;
    }
    if (stored !== undefined && stored.batchId > this.batchId) {
      this.stale.add(run.runId);
      const detail = `run ${run.runId} was written by the later batch ${stored.batchId}; kept as it is`;
      this.staleExamples.push({ line, value: run.runId, detail });
      return;
    }
    if (stored !== undefined)
      this.predecessors.set(stored.batchId, (this.predecessors.get(stored.batchId) ?? 0) + 1);
    await this.writer.writeRun(run);
    this.runs.set(run.runId, { record: run, figures: new FiguresBuilder() });
  }

  private async applyMetric(metric: MetricRecord): Promise<void> {
    const run = this.runs.get(metric.runId);
    if (run === undefined) return; // a stale run: its metrics stay as the later batch wrote them
    run.figures.add(metric);
    for (const [seq, [step, ts, value]] of metric.history.entries()) {
      const flag = typeof value === 'number' ? null : NON_FINITE[value];
      await this.writer.metrics.add([
        metric.runId,
        metric.key,
        seq,
        step,
        ts,
        flag === null ? value : null,
        flag,
      ]);
    }
  }

  private async modelClass(hash: string): Promise<string | null> {
    if (this.configs.has(hash)) return this.configs.get(hash) ?? null;
    return (await this.writer.configModelClass(hash)).modelClass;
  }
}
