import type { PoolConnection } from 'mysql2/promise';
import { isBinlogCacheFull } from '../../adapters/warehouse/errors.js';
import {
  BatchLoad,
  type LoadMode,
  type LoadOutcome,
  type LoadPlan,
} from '../../adapters/warehouse/loader.js';
import { recordProfiles } from '../../adapters/warehouse/profile-store.js';
import type { Predecessor } from '../../adapters/warehouse/restatement.js';
import { calendarTarget, factorTarget } from '../../adapters/warehouse/row-sink.js';
import { csvHeader } from '../../core/csv/index.js';
import { isTerminal } from '../../core/errors.js';
import type { ManifestV1 } from '../../core/manifest.js';
import type { Finding } from '../../core/quality/findings.js';
import type { InspectionReport } from '../../core/quality/inspector.js';
import { maxInflatedBytes } from '../../core/quality/limits.js';
import { warningAlerts } from './alert-plan.js';
import type { IngestDeps, Job } from './deps.js';
import type { Inspection } from './inspection.js';
import { checkStreamedDigest } from './payload-check.js';
import { type StreamResult, streamPayload } from './payload-stream.js';
import { type Rejection, rejectFindings, rejectWith } from './rejection.js';
import type { SchemaChange } from './schema.js';

export type LoadDecision =
  | { kind: 'loaded'; rowsLoaded: number; warnings: Finding[]; restated: Predecessor[] }
  | { kind: 'rejected'; rejection: Rejection }
  | { kind: 'duplicate'; duplicateOf: string }
  | { kind: 'lease_lost' };

/**
 * Stream the payload into the load transaction on `conn` and decide: every check (gzip, digest, quality rules)
 * passes before the commit, which also marks the ledger `loaded`, registers what the batch added to the schema and
 * records the warning alerts; anything else rolls back. MySQL refusing a row's shape (SCHEMA_REFUSED) rejects.
 */
export async function loadBatch(
  deps: IngestDeps,
  job: Job,
  conn: PoolConnection,
  manifest: ManifestV1,
  inspection: Inspection,
  schema: SchemaChange | undefined,
): Promise<LoadDecision> {
  try {
    return await loadInTransaction(deps, job, conn, manifest, inspection, schema);
  } catch (error) {
    if (!isBinlogCacheFull(error)) throw error;
    return { kind: 'rejected', rejection: rejectWith('BATCH_TOO_LARGE_FOR_BINLOG', TOO_LARGE) };
  }
}

// The transaction was rolled back; the same batch would fail the same way on every retry (docs/deploy.md).
const TOO_LARGE =
  "the batch's rows need more binary-log cache than the server allows in one transaction (max_binlog_cache_size): " +
  'push the range again as smaller batches (qlib-sync push … --batch-mib <MiB well below max_binlog_cache_size>; ' +
  'the agent splits at 128 MiB by default) or raise max_binlog_cache_size';

async function loadInTransaction(
  deps: IngestDeps,
  job: Job,
  conn: PoolConnection,
  manifest: ManifestV1,
  inspection: Inspection,
  schema: SchemaChange | undefined,
): Promise<LoadDecision> {
  const opened = await BatchLoad.open(conn, loadPlan(job, manifest, schema, deps.config.loadMode));
  if (opened.kind === 'duplicate') return opened;
  const load = opened.load;
  try {
    // Days the table holds in the batch's range are replaced: each must have rows (DATE_MISSING).
    if (manifest.kind === 'factors') inspection.inspector.requireDays(load.replacedDays);
    const streamed = await streamFromStore(deps, manifest, inspection, load);
    const report = inspection.inspector.finish();
    const rejection = 'rejection' in streamed ? streamed.rejection : judge(manifest, streamed, report);
    job.log.debug('payload read', { rows: report.rows, lines: report.lines, rejected: rejection?.code });
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
    if (isTerminal(error) && error.code === 'SCHEMA_REFUSED') {
      return { kind: 'rejected', rejection: rejectWith('SCHEMA_REFUSED', error.message) };
    }
    throw error;
  }
}

/** The per-day profiles of a factor batch, written in its load transaction (the monitor's drift check reads them). */
function profileWriter(manifest: ManifestV1, inspection: Inspection): LoadOutcome['alongside'] {
  const profile = inspection.profile;
  if (profile === undefined) return undefined;
  return (conn) => recordProfiles(conn, manifest.dataset, manifest.batchId, profile.profiles());
}

function loadPlan(
  job: Job,
  manifest: ManifestV1,
  schema: SchemaChange | undefined,
  mode: LoadMode,
): LoadPlan {
  const { batchId, dataset, dateRange } = manifest;
  const common = { batchId, owner: job.owner, dataset, contentSha256: manifest.payload.sha256, mode };
  if (manifest.kind === 'factors') {
    const columns = (schema?.entry.columns ?? manifest.columns).map((c) => c.name);
    const plan: LoadPlan = {
      ...common,
      target: factorTarget(dataset, batchId, manifest.columns),
      header: csvHeader({ kind: 'factors', columns: manifest.columns }),
      scope: { kind: 'factors', dataset, columns, ...dateRange },
    };
    if (schema?.registration !== undefined) plan.registration = schema.registration;
    return plan;
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
  const cap = maxInflatedBytes(manifest, manifest.payload.bytes, deps.config.maxInflateRatio);
  try {
    const source = await deps.store.getStream(manifest.payload.key);
    // OSS's CRC-64 of the object it sends, when it is the manifest's, need not be computed again here.
    const known = source.crc64 === manifest.payload.crc64 ? source.crc64 : undefined;
    return await streamPayload(source.body, manifest, inspection, load.sink, cap, known);
  } catch (error) {
    if (!(isTerminal(error) && error.code === 'OSS_NOT_FOUND')) throw error;
    const why = `the payload ${manifest.payload.key} disappeared while loading`;
    return { rejection: rejectWith('PAYLOAD_MISSING', why) };
  }
}

/** The order of the checks decides the lead code: a broken container, a cap, then foreign bytes, then the rows. */
function judge(
  manifest: ManifestV1,
  streamed: StreamResult,
  report: InspectionReport,
): Rejection | undefined {
  if (streamed.gzipError !== undefined) {
    const rejection = rejectWith('PAYLOAD_NOT_GZIP', `the payload is not valid gzip: ${streamed.gzipError}`);
    return { ...rejection, findings: [...rejection.findings, ...report.findings] };
  }
  // Reading stopped early: the digest covers only part of the bytes, the cap's finding says why.
  if (streamed.halted !== undefined) return rejectFindings(report.findings, streamed.halted);
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
