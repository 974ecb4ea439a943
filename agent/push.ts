import { renameSync, rmSync } from 'node:fs';
import { formatBatchId } from '../core/batch-id.js';
import type { BatchStatus } from '../core/batch-status.js';
import { formatBatchKey } from '../core/keys.js';
import type { ManifestV1 } from '../core/manifest.js';
import type { Finding } from '../core/quality/findings.js';
import { type BuildOptions, type BuiltPayload, buildPayload } from './build/batch-builder.js';
import { BatchBlockedError } from './build/findings-text.js';
import type { AgentContext } from './context.js';
import { fsyncDir } from './journal/atomic-file.js';
import type { JournalEntry } from './journal/entry.js';
import type { HistoryReport, LateSent } from './sent/late-report.js';
import type { BatchSource, SourceNotice } from './sources/source.js';
import { upload } from './upload/pending.js';

/** What a push noticed besides the batch itself (since-last.ts, provider-notices.ts). */
export interface PushNotes {
  /** Source notices: instruments without feature files, directories a market file leaves out. */
  notices?: SourceNotice[];
  /** Dates already sent that were sent again because values or rows for them appeared later. */
  late?: LateSent;
  /** What could not be sent on its own: rewritten history, late values older than lateDays. */
  history?: HistoryReport;
}

/** What a push did: expected outcomes are values. */
export type PushResult = PushNotes &
  (
    | {
        status: 'uploaded';
        batchId: string;
        kind: string;
        dataset: string;
        rows: number;
        bytes: number;
        dateRange: { start: string; end: string };
        warnings: Finding[];
        /** With --wait: what ingest decided. */
        ingest?: BatchStatus;
      }
    | {
        status: 'already-uploaded';
        batchId: string;
        kind: string;
        dataset: string;
        rows: number;
        ingest?: BatchStatus;
      }
    | { status: 'empty'; kind: string; dataset: string; reason: string }
  );

/**
 * Build, check and upload one batch. Nothing is uploaded when a blocking rule fires (BatchBlockedError)
 * or when the same content was pushed before (its batch id is returned instead).
 */
export async function pushSource(ctx: AgentContext, source: BatchSource): Promise<PushResult> {
  return finishPush(ctx, source, await buildSource(ctx, source));
}

/** Build and check a source's payload (a spool file not yet named), with progress. */
export async function buildSource(ctx: AgentContext, source: BatchSource): Promise<BuiltPayload> {
  const built = await buildPayload(source, buildOptions(ctx, source));
  ctx.progress.done();
  return built;
}

/** What a build of `source` needs from the context: the spool, the rules, today, progress. */
export function buildOptions(ctx: AgentContext, source: BatchSource): BuildOptions {
  return {
    spoolDir: ctx.journal.spoolDir,
    policy: ctx.settings.policy,
    today: ctx.now().toISOString().slice(0, 10),
    onProgress: (p) =>
      ctx.progress.build(
        source.dataset,
        p.rows,
        p.csvBytes,
        p.instrumentCount ? p.instruments / p.instrumentCount : undefined,
      ),
  };
}

/**
 * What follows a build: stop on a blocking finding, say so when there are no rows or the content went up
 * before, else journal the batch (then `onJournaled` with its id, before anything is uploaded) and upload
 * it. The source's notices are logged as warnings (a person must see them even when the push is quiet), once
 * per push: a split push (agent/split) logs them with its first batch only.
 */
export async function finishPush(
  ctx: AgentContext,
  source: BatchSource,
  built: BuiltPayload,
  onJournaled?: (batchId: string) => void,
  logNotices = true,
): Promise<PushResult> {
  const { kind, dataset } = source;
  if (built.report.blocked) {
    rmSync(built.path, { force: true });
    throw new BatchBlockedError(dataset, built.report.findings);
  }
  const notices = source.kind === 'factors' ? (source.notices?.() ?? []) : [];
  if (logNotices)
    for (const n of notices)
      ctx.logger[n.severity](n.message, { code: n.code, dataset, examples: n.examples });
  const notes = notices.length === 0 ? {} : { notices };
  if (built.rowCount === 0 || built.dateRange === undefined) {
    rmSync(built.path, { force: true });
    return { status: 'empty', kind, dataset, reason: 'no rows in the selected range', ...notes };
  }
  const same = ctx.journal.findByContent(kind, dataset, built.digest.sha256);
  if (same !== undefined) {
    rmSync(built.path, { force: true });
    if (same.state === 'built' || same.state === 'uploading') await upload(ctx, same, true);
    const batchId = same.manifest.batchId;
    return { status: 'already-uploaded', batchId, kind, dataset, rows: same.manifest.rowCount, ...notes };
  }
  const entry = journalBuilt(ctx, source, built);
  onJournaled?.(entry.manifest.batchId);
  const done = await upload(ctx, entry, false);
  return {
    status: 'uploaded',
    batchId: done.manifest.batchId,
    kind,
    dataset,
    rows: built.rowCount,
    bytes: built.digest.bytes,
    dateRange: built.dateRange,
    warnings: built.report.findings.filter((f) => f.severity === 'warn'),
    ...notes,
  };
}

/** Name the payload, move it into the spool under its batch id and journal it as built. */
function journalBuilt(ctx: AgentContext, source: BatchSource, built: BuiltPayload): JournalEntry {
  const now = ctx.now();
  const batchId = formatBatchId(now, built.digest.sha256.slice(0, 12));
  const spoolPath = ctx.journal.spoolPathFor(batchId);
  renameSync(built.path, spoolPath);
  fsyncDir(ctx.journal.spoolDir);
  const manifest: ManifestV1 = {
    formatVersion: 1,
    batchId,
    kind: source.kind,
    dataset: source.dataset,
    frequency: 'day',
    dateRange: built.dateRange as { start: string; end: string },
    columns: built.columns.map((c) => ({ name: c.name, type: c.type })),
    rowCount: built.rowCount,
    payload: {
      key: formatBatchKey({
        area: 'incoming',
        kind: source.kind,
        dataset: source.dataset,
        batchId,
        file: 'data.csv.gz',
      }),
      format: 'csv',
      compression: 'gzip',
      ...built.digest,
    },
    producer: { ...ctx.producer, sourcePath: source.sourcePath },
    createdAt: now.toISOString(),
  };
  return ctx.journal.saveBuilt(manifest, spoolPath, now);
}
