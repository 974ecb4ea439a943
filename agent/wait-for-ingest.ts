import { TerminalError } from '../core/errors.js';
import { refreshCloudState } from './cloud-status.js';
import type { AgentContext } from './context.js';
import type { JournalEntry } from './journal/entry.js';
import { withRetry } from './retry.js';

/** Ingest rejected the batch (its status object says so): exit 4, like a batch the local rules block. */
export class BatchRejectedError extends TerminalError {
  override readonly name = 'BatchRejectedError';
  constructor(entry: JournalEntry) {
    const { kind, dataset, batchId } = entry.manifest;
    const where = entry.cloud?.reasonKey === undefined ? '' : `; the details are in ${entry.cloud.reasonKey}`;
    super(
      'BATCH_REJECTED',
      `${kind}/${dataset} ${batchId} was rejected by ingest: ${entry.cloud?.summary ?? 'no summary'}${where}`,
      { details: { batchId, code: entry.cloud?.code, reasonKey: entry.cloud?.reasonKey } },
    );
  }
}

const FIRST_POLL_MS = 1000;
const MAX_POLL_MS = 15_000;

/**
 * `push --wait`: read the batch's status object (status/<kind>/<dataset>/<id>.json) until ingest has
 * written it — every second at first, then less often (at most every 15 s) — and record it in the journal.
 * Loaded or duplicate: the entry is returned. Rejected: BatchRejectedError (exit 4). Nothing after
 * `minutes`: INGEST_OVERDUE (exit 7); the batch stays uploaded and `status` keeps watching it.
 */
export async function waitForIngest(
  ctx: AgentContext,
  batchId: string,
  minutes: number,
): Promise<JournalEntry> {
  const sleep = ctx.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = ctx.now().getTime() + minutes * 60_000;
  const policy = { attempts: ctx.settings.retries, baseMs: ctx.settings.retryBaseMs };
  ctx.logger.info('waiting for ingest', { batchId, minutes });
  for (let delay = FIRST_POLL_MS; ; delay = Math.min(delay * 2, MAX_POLL_MS)) {
    const entry = ctx.journal.get(batchId) as JournalEntry;
    const current = await withRetry(() => refreshCloudState(ctx.store, ctx.journal, entry, ctx.now), policy, {
      sleep,
    });
    if (current.state === 'rejected') throw new BatchRejectedError(current);
    if (current.state !== 'uploaded') return current;
    const left = deadline - ctx.now().getTime();
    if (left <= 0) {
      const { kind, dataset } = current.manifest;
      throw new TerminalError(
        'INGEST_OVERDUE',
        `${kind}/${dataset} ${batchId} is uploaded, but ingest published no status for it within ${minutes} min: the OSS event may have been lost, or ingest is still retrying; \`qlib-sync status\` keeps watching it and \`qlib-sync resume --retrigger ${batchId}\` sends its manifest again`,
        { details: { batchId } },
      );
    }
    await sleep(Math.min(delay, left));
  }
}
