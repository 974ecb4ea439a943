import { TerminalError } from '../../core/errors.js';
import type { AgentContext } from '../context.js';
import type { JournalEntry } from '../journal/entry.js';
import { uploadEntry } from './uploader.js';

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

/** Upload one journaled batch with the context's store, retries and progress (uploader.ts). */
export async function upload(
  ctx: AgentContext,
  entry: JournalEntry,
  verifySpool: boolean,
): Promise<JournalEntry> {
  try {
    return await uploadEntry(
      {
        store: ctx.store,
        journal: ctx.journal,
        logger: ctx.logger.child({ batchId: entry.manifest.batchId }),
        now: ctx.now,
        ...transferSettings(ctx),
        onProgress: (sent, total) => ctx.progress.upload(entry.manifest.batchId, sent, total),
      },
      entry,
      verifySpool,
    );
  } finally {
    ctx.progress.done();
  }
}

/** The retries and multipart sizes of every upload the agent makes (batches and artifacts), from its settings. */
export function transferSettings(ctx: AgentContext) {
  const { settings } = ctx;
  return {
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
  };
}
