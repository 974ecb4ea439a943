import { ExperimentLoad } from '../../../adapters/warehouse/experiments/experiment-load.js';
import { sha256Hex } from '../../../core/digest.js';
import { isTerminal } from '../../../core/errors.js';
import { ExperimentsInspector, type ExperimentsReport } from '../../../core/experiments/inspector.js';
import type { ManifestV1 } from '../../../core/manifest.js';
import type { Finding } from '../../../core/quality/findings.js';
import { warningAlerts } from '../alert-plan.js';
import type { IngestDeps, Job } from '../deps.js';
import type { LoadDecision } from '../load-batch.js';
import { checkStreamedDigest } from '../payload-check.js';
import { type Rejection, rejectFindings, rejectWith } from '../rejection.js';
import { LineApplier } from './line-applier.js';
import { type LineStreamResult, MAX_LINE_BYTES, streamLines } from './line-stream.js';

/**
 * The loader of `experiments` batches (docs/ingest.md, "Experiments"): the same ledger, lease and quarantine as
 * factors; the payload's JSON lines are checked (core/experiments) and written in one transaction while they
 * stream from OSS. Anything blocking — a bad line, a broken reference, foreign bytes — rolls it all back.
 */
export async function loadExperiments(
  deps: IngestDeps,
  job: Job,
  manifest: ManifestV1,
): Promise<LoadDecision> {
  const { batchId, dataset } = manifest;
  const opened = await ExperimentLoad.open(deps.pool, {
    batchId,
    owner: job.owner,
    dataset,
    contentSha256: manifest.payload.sha256,
  });
  if (opened.kind === 'duplicate') return opened;
  const load = opened.load;
  try {
    const inspector = new ExperimentsInspector(manifest.rowCount, sha256Hex);
    const applier = new LineApplier(load.writer, inspector, dataset, batchId);
    const streamed = await streamFromStore(deps, manifest, (text, line) => applier.line(text, line));
    if (!('rejection' in streamed) && streamed.lineTooLong !== undefined) {
      inspector.problem({
        code: 'EXP_LINE_TOO_LONG',
        line: streamed.lineTooLong,
        message: `a line is longer than ${MAX_LINE_BYTES} bytes`,
      });
    }
    const report = inspector.finish();
    const rejection = 'rejection' in streamed ? streamed.rejection : judge(manifest, streamed, report);
    if (rejection !== undefined) {
      job.log.debug('experiments batch refused', { code: rejection.code });
      await load.rollback();
      return { kind: 'rejected', rejection };
    }
    const counts = await applier.finish(load.connection);
    const warnings = withStale(
      report.findings.filter((f) => f.severity === 'warn'),
      applier,
    );
    const restated = applier.restated();
    const summary = loadedSummary(manifest, applier.runCount, counts, restated.length, warnings);
    const committed = await load.commit(deps.ledger, deps.alertStore, {
      summary,
      warnings: warnings.map((f) => f.code),
      alerts: warningAlerts(job.ref, manifest.dateRange.end, warnings),
      rows: report.lines,
      predecessors: restated,
    });
    if (committed.kind === 'lease_lost') return committed;
    return { kind: 'loaded', rowsLoaded: committed.rowsLoaded, warnings, restated };
  } catch (error) {
    await load.rollback();
    throw error;
  }
}

async function streamFromStore(
  deps: IngestDeps,
  manifest: ManifestV1,
  onLine: (text: string, line: number) => Promise<void>,
): Promise<LineStreamResult | { rejection: Rejection }> {
  try {
    const source = await deps.store.getStream(manifest.payload.key);
    return await streamLines(source.body, manifest.payload.bytes, onLine);
  } catch (error) {
    if (!(isTerminal(error) && error.code === 'OSS_NOT_FOUND')) throw error;
    return {
      rejection: rejectWith(
        'PAYLOAD_MISSING',
        `the payload ${manifest.payload.key} disappeared while loading`,
      ),
    };
  }
}

/** A broken container first, then foreign bytes, then the lines (the same order as factor batches). */
function judge(
  manifest: ManifestV1,
  streamed: LineStreamResult,
  report: ExperimentsReport,
): Rejection | undefined {
  if (streamed.gzipError !== undefined) {
    const rejection = rejectWith('PAYLOAD_NOT_GZIP', `the payload is not valid gzip: ${streamed.gzipError}`);
    return { ...rejection, findings: [...rejection.findings, ...report.findings] };
  }
  const digest = checkStreamedDigest(manifest, streamed.digest);
  if (digest !== undefined) return digest;
  return report.blocked ? rejectFindings(report.findings) : undefined;
}

/** An out-of-order delivery is told about, not hidden: EXP_RUN_STALE names the runs a later batch already wrote. */
function withStale(warnings: Finding[], applier: LineApplier): Finding[] {
  const stale = applier.staleRuns();
  if (stale.count === 0) return warnings;
  const message = 'runs a later batch already wrote (kept as they are: the newer state wins)';
  return [
    ...warnings,
    { code: 'EXP_RUN_STALE', severity: 'warn', message, count: stale.count, examples: stale.examples },
  ];
}

function loadedSummary(
  manifest: ManifestV1,
  runs: number,
  counts: { params: number; tags: number; metrics: number; artifacts: number },
  restated: number,
  warnings: readonly Finding[],
): string {
  const parts = [
    `loaded ${runs} runs (${counts.metrics} metric values, ${counts.params} params, ${counts.tags} tags, ${counts.artifacts} artifacts) of ${manifest.dataset}`,
  ];
  if (restated > 0) parts.push(`restated runs of ${restated} earlier batches`);
  if (warnings.length > 0) parts.push(`warnings: ${warnings.map((w) => w.code).join(', ')}`);
  return parts.join('; ');
}
