import type { ObjectStore } from '../adapters/object-store/store.js';
import { parseBatchStatus } from '../core/batch-status.js';
import { TerminalError } from '../core/errors.js';
import { formatStatusKey } from '../core/keys.js';
import type { JournalEntry } from './journal/entry.js';
import type { Journal } from './journal/journal.js';

/**
 * Read back what ingest decided for an uploaded batch (status/<kind>/<dataset>/<batch-id>.json) and record
 * it in the journal. No status object yet: the batch stays "uploaded".
 */
export async function refreshCloudState(
  store: ObjectStore,
  journal: Journal,
  entry: JournalEntry,
  now: () => Date,
): Promise<JournalEntry> {
  if (entry.state !== 'uploaded') return entry;
  const { kind, dataset, batchId } = entry.manifest;
  let body: Buffer;
  try {
    body = await store.get(formatStatusKey({ kind, dataset, batchId }));
  } catch (error) {
    if (error instanceof TerminalError && error.code === 'OSS_NOT_FOUND') return entry;
    throw error;
  }
  const status = parseBatchStatus(body);
  const updated: JournalEntry = {
    ...entry,
    state: status.status,
    cloud: status,
    updatedAt: now().toISOString(),
  };
  journal.save(updated);
  return updated;
}
