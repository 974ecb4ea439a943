import type { ObjectStore } from '../../adapters/object-store/store.js';
import { type BatchStatus, parseBatchStatus } from '../../core/batch-status.js';
import { TerminalError } from '../../core/errors.js';
import { formatBatchKey, formatStatusKey } from '../../core/keys.js';
import type { ManifestV1 } from '../../core/manifest.js';

/** What the cloud already has of a batch the journal still calls unfinished. */
export type CloudCopy =
  | { where: 'status'; status: BatchStatus }
  | { where: 'incoming' | 'loaded' | 'quarantine'; key: string };

/**
 * Before an unfinished batch is sent again, ask the cloud whether it got it: an agent killed between the
 * manifest's PUT and the journal's write (or whose answer was lost) resumes a batch OSS already has, and
 * ingest may already have moved it from incoming/ to loaded/ or quarantine/ — re-sending would upload the
 * whole payload again and fire the trigger a second time. In order: the status object ingest wrote, the
 * manifest in incoming/ (uploaded, ingest not done yet), in loaded/ or quarantine/ (settled, status not
 * written yet). A manifest is only ever uploaded after its payload passed the checks (uploader.ts), so
 * finding it means the payload is there. `retry` wraps each request (transient faults).
 */
export async function findInCloud(
  store: ObjectStore,
  manifest: ManifestV1,
  retry: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<CloudCopy | undefined> {
  const { kind, dataset, batchId } = manifest;
  const status = await retry(() => readStatus(store, formatStatusKey({ kind, dataset, batchId })));
  if (status !== undefined) return { where: 'status', status };
  for (const area of ['incoming', 'loaded', 'quarantine'] as const) {
    const key = formatBatchKey({ area, kind, dataset, batchId, file: 'manifest.json' });
    if ((await retry(() => store.head(key))) !== undefined) return { where: area, key };
  }
  return undefined;
}

async function readStatus(store: ObjectStore, key: string): Promise<BatchStatus | undefined> {
  try {
    return parseBatchStatus(await store.get(key));
  } catch (error) {
    if (error instanceof TerminalError && error.code === 'OSS_NOT_FOUND') return undefined;
    throw error;
  }
}
