import { renameSync, rmSync } from 'node:fs';
import { formatBatchId } from '../core/batch-id.js';
import type { BatchStatus } from '../core/batch-status.js';
import { TerminalError } from '../core/errors.js';
import { formatBatchKey } from '../core/keys.js';
import type { ManifestV1 } from '../core/manifest.js';
import type { Finding } from '../core/quality/findings.js';
import { type BuiltPayload, buildPayload } from './build/batch-builder.js';
import { BatchBlockedError } from './build/findings-text.js';
import type { AgentContext } from './context.js';
import { fsyncDir } from './journal/atomic-file.js';
import type { JournalEntry } from './journal/entry.js';
import type { BatchSource } from './sources/source.js';
import { uploadEntry } from './upload/uploader.js';

/** What a push did: expected outcomes are values (STYLE.md habit 5). */
export type PushResult =
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
  | { status: 'empty'; kind: string; dataset: string; reason: string };

/**
 * Build, check and upload one batch. Nothing is uploaded when a blocking rule fires (BatchBlockedError)
 * or when the same content was pushed before (its batch id is returned instead).
 */
export async function pushSource(ctx: AgentContext, source: BatchSource): Promise<PushResult> {
  const built = await buildPayload(source, {
    spoolDir: ctx.journal.spoolDir,
    policy: ctx.settings.policy,
    onProgress: (p) =>
      ctx.progress.build(
        source.dataset,
        p.rows,
        p.csvBytes,
        p.instrumentCount ? p.instruments / p.instrumentCount : undefined,
      ),
  });
  ctx.progress.done();
  const { kind, dataset } = source;
  if (built.report.blocked) {
    rmSync(built.path, { force: true });
    throw new BatchBlockedError(dataset, built.report.findings);
  }
  if (built.rowCount === 0 || built.dateRange === undefined) {
    rmSync(built.path, { force: true });
    return { status: 'empty', kind, dataset, reason: 'no rows in the selected range' };
  }
  const same = ctx.journal.findByContent(kind, dataset, built.digest.sha256);
  if (same !== undefined) {
    rmSync(built.path, { force: true });
    if (same.state === 'built' || same.state === 'uploading') await upload(ctx, same, true);
    const batchId = same.manifest.batchId;
    return { status: 'already-uploaded', batchId, kind, dataset, rows: same.manifest.rowCount };
  }
  const entry = journalBuilt(ctx, source, built);
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
  };
}

export interface ResumeOutcome {
  finished: JournalEntry[];
  /** Batches that cannot be finished (their spool file is gone or altered): `resume --drop` them. */
  broken: TerminalError[];
}

/**
 * Finish every batch left in built/uploading (after a crash or a network failure), oldest first. A batch
 * whose spooled payload is gone or altered is reported, not retried, and does not hold up the others;
 * any other failure (OSS unreachable, credentials) stops here: the next batches would fail the same way.
 */
export async function resumePending(ctx: AgentContext): Promise<ResumeOutcome> {
  const outcome: ResumeOutcome = { finished: [], broken: [] };
  for (const entry of ctx.journal.pending()) {
    try {
      outcome.finished.push(await upload(ctx, entry, true));
    } catch (error) {
      if (!(error instanceof TerminalError && SPOOL_CODES.includes(error.code))) throw error;
      ctx.logger.error('cannot finish a batch', { batchId: entry.manifest.batchId, error });
      outcome.broken.push(error);
    }
  }
  return outcome;
}

const SPOOL_CODES = ['SPOOL_MISSING', 'SPOOL_CORRUPT'];

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
  const at = now.toISOString();
  const entry: JournalEntry = {
    formatVersion: 2,
    state: 'built',
    manifest,
    spoolPath,
    createdAt: at,
    updatedAt: at,
    attempts: 0,
  };
  ctx.journal.save(entry);
  return entry;
}

async function upload(ctx: AgentContext, entry: JournalEntry, verifySpool: boolean): Promise<JournalEntry> {
  const { settings } = ctx;
  try {
    return await uploadEntry(
      {
        store: ctx.store,
        journal: ctx.journal,
        logger: ctx.logger.child({ batchId: entry.manifest.batchId }),
        now: ctx.now,
        retry: {
          attempts: settings.retries,
          baseMs: settings.retryBaseMs,
          ...(ctx.sleep ? { sleep: ctx.sleep } : {}),
        },
        multipart: {
          threshold: settings.multipartThreshold,
          partSize: settings.partSize,
          parallel: settings.parallel,
        },
        onProgress: (sent, total) => ctx.progress.upload(entry.manifest.batchId, sent, total),
      },
      entry,
      verifySpool,
    );
  } finally {
    ctx.progress.done();
  }
}
