import { TerminalError } from '../../core/errors.js';
import { formatBatchKey } from '../../core/keys.js';
import { formatManifest } from '../../core/manifest.js';
import { refreshCloudState } from '../cloud-status.js';
import type { AgentContext } from '../context.js';
import { UsageError } from '../exit-codes.js';
import { PENDING_STATES } from '../journal/entry.js';
import { withRetry } from '../retry.js';

export type RetriggerOutcome =
  | { status: 'retriggered'; batchId: string; manifestKey: string }
  | { status: 'settled'; batchId: string; state: string; summary: string };

/**
 * Fire ingest again for an uploaded batch whose OSS event was lost: PUT its manifest again, unchanged (a
 * PutObject fires the trigger; a CopyObject of the manifest onto itself does not, the trigger subscribes to
 * PutObject, PostObject and CompleteMultipartUpload only — s.yaml). Ingest's ledger makes a second event of
 * a batch it already settled a no-op. Checked first: the journal knows the batch and it is uploaded, the
 * cloud has no status for it yet, and its payload is still in incoming/ with the manifest's size.
 */
export async function retrigger(ctx: AgentContext, batchId: string): Promise<RetriggerOutcome> {
  const entry = ctx.journal.get(batchId);
  if (entry === undefined)
    throw new UsageError(`${batchId} is not a batch in the journal ${ctx.journal.dir}`);
  if (PENDING_STATES.includes(entry.state)) {
    throw new UsageError(`${batchId} is not uploaded yet (${entry.state}): \`qlib-sync resume\` finishes it`);
  }
  const retry = <T>(fn: () => Promise<T>) =>
    withRetry(
      fn,
      { attempts: ctx.settings.retries, baseMs: ctx.settings.retryBaseMs },
      ctx.sleep === undefined ? {} : { sleep: ctx.sleep },
    );
  const current = await retry(() => refreshCloudState(ctx.store, ctx.journal, entry, ctx.now));
  if (current.state !== 'uploaded') {
    return { status: 'settled', batchId, state: current.state, summary: current.cloud?.summary ?? '' };
  }
  const { kind, dataset, payload } = current.manifest;
  const stored = await retry(() => ctx.store.head(payload.key));
  if (stored === undefined || stored.size !== payload.bytes) {
    throw new TerminalError(
      'RETRIGGER_NO_PAYLOAD',
      `${batchId}: ${payload.key} is ${stored === undefined ? 'no longer in incoming/' : `${stored.size} bytes, the manifest says ${payload.bytes}`} and ingest has published no status: ingest may be moving it right now (try \`qlib-sync status\` in a minute), else push the source again`,
    );
  }
  const manifestKey = formatBatchKey({ area: 'incoming', kind, dataset, batchId, file: 'manifest.json' });
  await retry(() =>
    ctx.store.put(manifestKey, formatManifest(current.manifest), { contentType: 'application/json' }),
  );
  const at = ctx.now().toISOString();
  ctx.journal.save({ ...current, uploadedAt: at, updatedAt: at });
  ctx.logger.info('manifest uploaded again: ingest is triggered', { batchId, key: manifestKey });
  return { status: 'retriggered', batchId, manifestKey };
}
