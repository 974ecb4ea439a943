import {
  BatchLoad,
  type LoadMode,
  type LoadOutcome,
  type LoadPlan,
} from '../../adapters/warehouse/loader.js';
import { recordProfiles } from '../../adapters/warehouse/profile-store.js';
import type { DatasetEntry } from '../../adapters/warehouse/registry.js';
import type { Predecessor } from '../../adapters/warehouse/restatement.js';
import { calendarTarget, factorTarget } from '../../adapters/warehouse/row-sink.js';
import { csvHeader } from '../../core/csv/index.js';
import { isTerminal } from '../../core/errors.js';
import type { ManifestV1 } from '../../core/manifest.js';
import type { Finding } from '../../core/quality/findings.js';
import type { InspectionReport } from '../../core/quality/inspector.js';
import { warningAlerts } from './alert-plan.js';
import type { IngestDeps, Job } from './deps.js';
import type { Inspection } from './inspection.js';
import { checkStreamedDigest } from './payload-check.js';
import { type StreamResult, streamPayload } from './payload-stream.js';
import { type Rejection, rejectFindings, rejectWith } from './rejection.js';

export type LoadDecision =
  | { kind: 'loaded'; rowsLoaded: number; warnings: Finding[]; restated: Predecessor[] }
  | { kind: 'rejected'; rejection: Rejection }
  | { kind: 'duplicate'; duplicateOf: string }
  | { kind: 'lease_lost' };

/**
 * Stream the payload into the load transaction and decide: every check (gzip, digest, quality rules) passes
 * before the commit, which also marks the ledger `loaded` and records the warning alerts; anything else rolls back.
 */
export async function loadBatch(
  deps: IngestDeps,
  job: Job,
  manifest: ManifestV1,
  inspection: Inspection,
  entry: DatasetEntry | undefined,
): Promise<LoadDecision> {
  const opened = await BatchLoad.open(deps.pool, loadPlan(job, manifest, entry, deps.config.loadMode));
  if (opened.kind === 'duplicate') return opened;
  const load = opened.load;
  try {
    const streamed = await streamFromStore(deps, manifest, inspection, load);
    const report = inspection.inspector.finish();
    const rejection = 'rejection' in streamed ? streamed.rejection : judge(manifest, streamed, report);
    job.log.debug('payload read', { rows: report.rows, rejected: rejection?.code });
    if (rejection !== undefined) {
      await load.rollback();
      return { kind: 'rejected', rejection };
    }
    const warnings = report.findings.filter((f) => f.severity === 'warn');
    const committed = await load.commit(deps.ledger, deps.alertStore, {
      summary: loadedSummary(manifest, report, load.predecessors, warnings),
      warnings: warnings.map((f) => f.code),
      alerts: warningAlerts(job.ref, manifest.dateRange.end, warnings, { region: deps.config.ossRegion }),
      alongside: profileWriter(manifest, inspection),
    });
    if (committed.kind === 'lease_lost') return committed;
    return { kind: 'loaded', rowsLoaded: committed.rowsLoaded, warnings, restated: load.predecessors };
  } catch (error) {
    await load.rollback();
    throw error;
  }
}

/** The per-day profiles of a factor batch, written in its load transaction (the monitor's drift check reads them). */
function profileWriter(manifest: ManifestV1, inspection: Inspection): LoadOutcome['alongside'] {
  const profile = inspection.profile;
  if (profile === undefined) return undefined;
  return (conn) => recordProfiles(conn, manifest.dataset, manifest.batchId, profile.profiles());
}

function loadPlan(job: Job, manifest: ManifestV1, entry: DatasetEntry | undefined, mode: LoadMode): LoadPlan {
  const { batchId, dataset, dateRange } = manifest;
  const common = { batchId, owner: job.owner, dataset, contentSha256: manifest.payload.sha256, mode };
  if (manifest.kind === 'factors') {
    const columns = (entry?.columns ?? manifest.columns).map((c) => c.name);
    return {
      ...common,
      target: factorTarget(dataset, batchId, manifest.columns),
      header: csvHeader({ kind: 'factors', columns: manifest.columns }),
      scope: { kind: 'factors', dataset, columns, ...dateRange },
    };
  }
  return {
    ...common,
    target: calendarTarget(dataset, batchId),
    header: csvHeader({ kind: 'calendar' }),
    scope: { kind: 'calendar', calendar: dataset, ...dateRange },
  };
}

async function streamFromStore(
  deps: IngestDeps,
  manifest: ManifestV1,
  inspection: Inspection,
  load: BatchLoad,
): Promise<StreamResult | { rejection: Rejection }> {
  try {
    const source = await deps.store.getStream(manifest.payload.key);
    return await streamPayload(source, manifest, inspection, load.sink);
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

/** The order of the checks decides the lead code: a broken container, then foreign bytes, then the rows. */
function judge(
  manifest: ManifestV1,
  streamed: StreamResult,
  report: InspectionReport,
): Rejection | undefined {
  if (streamed.gzipError !== undefined) {
    const rejection = rejectWith('PAYLOAD_NOT_GZIP', `the payload is not valid gzip: ${streamed.gzipError}`);
    return { ...rejection, findings: [...rejection.findings, ...report.findings] };
  }
  const digest = checkStreamedDigest(manifest, streamed.digest);
  if (digest !== undefined) return digest;
  return report.blocked ? rejectFindings(report.findings) : undefined;
}

function loadedSummary(
  manifest: ManifestV1,
  report: InspectionReport,
  restated: readonly Predecessor[],
  warnings: readonly Finding[],
): string {
  const what =
    manifest.kind === 'factors'
      ? `${report.instruments} instruments × ${report.dates.length} dates`
      : `${report.dates.length} trading days`;
  const parts = [
    `loaded ${report.rows} rows (${what}, ${manifest.dateRange.start}..${manifest.dateRange.end})`,
  ];
  if (restated.length > 0) {
    const rows = restated.reduce((n, p) => n + p.rows, 0);
    parts.push(`restated ${rows} rows of ${restated.map((p) => p.batchId).join(', ')}`);
  }
  if (warnings.length > 0) parts.push(`warnings: ${warnings.map((w) => w.code).join(', ')}`);
  return parts.join('; ');
}
