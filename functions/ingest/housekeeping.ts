import type { ObjectInfo, ObjectStore } from '../../adapters/object-store/store.js';
import type { LedgerRow } from '../../adapters/warehouse/ledger.js';
import { type BatchOutcome, type BatchStatus, formatBatchStatus } from '../../core/batch-status.js';
import { isTerminal } from '../../core/errors.js';
import { type BatchRef, formatBatchKey, formatBatchPrefix, formatStatusKey } from '../../core/keys.js';
import { publishAlerts, sweepStaleAlerts } from './alert-publishing.js';
import type { IngestDeps, ManifestRef } from './deps.js';
import { quarantineReused } from './reused-id.js';

/**
 * Everything after a batch is settled in the ledger, idempotent so a redelivery heals a crash between the commit
 * and here: move what is still in incoming/ (loaded/ or quarantine/), write the status object from the ledger
 * row, publish the batch's messages MNS has not accepted yet, then give older pending alerts one more try.
 */
export async function tidyBatch(deps: IngestDeps, ref: ManifestRef, row: LedgerRow): Promise<void> {
  const strays = await moveIncoming(deps.store, ref, row.status === 'rejected' ? 'quarantine' : 'loaded');
  if (strays.length > 0) {
    const what = `${strays.join(', ')} differ from the objects already filed under the batch's id`;
    await quarantineReused(deps, ref, row, { what, incoming: {} });
  }
  await deps.store.put(formatStatusKey(ref), formatBatchStatus(statusOf(row)), {
    contentType: 'application/json',
  });
  deps.logger.debug('status written', { batchId: ref.batchId, status: row.status });
  await publishAlerts(deps, row.batchId);
  await sweepStaleAlerts(deps);
}

/**
 * Copy every object of the batch out of incoming/, then delete them, the manifest (the trigger's object) last.
 * Nothing already filed is ever overwritten: a destination that exists keeps its bytes, the incoming copy is
 * deleted when it is the same object (a redelivery), and returned as a stray when it is not (other bytes under
 * the same id, for the caller to quarantine). One request at a time on purpose: copying and deleting side by
 * side measured no faster on the daily path (bench/daily.ts; a request sent beside another likely needs a
 * connection of its own, where requests in turn reuse one).
 */
export async function moveIncoming(
  store: ObjectStore,
  ref: BatchRef,
  area: 'loaded' | 'quarantine',
): Promise<string[]> {
  const prefix = formatBatchPrefix('incoming', ref);
  const keys: string[] = [];
  for await (const object of store.list(prefix)) keys.push(object.key);
  keys.sort((a, b) => Number(a.endsWith('/manifest.json')) - Number(b.endsWith('/manifest.json')));
  const strays: string[] = [];
  for (const key of keys) {
    const target = `${area}/${key.slice('incoming/'.length)}`;
    const existing = await store.head(target);
    if (existing === undefined) await tolerateGone(store.copy(target, key));
    else if (!sameObject(await store.head(key), existing)) strays.push(key);
  }
  for (const key of keys) if (!strays.includes(key)) await tolerateGone(store.delete(key));
  return strays;
}

/** The same bytes, as far as OSS tells: size, and CRC-64 when both have one, else the ETag. */
function sameObject(a: ObjectInfo | undefined, b: ObjectInfo): boolean {
  if (a === undefined) return true; // gone meanwhile: another delivery moved it
  if (a.size !== b.size) return false;
  return a.crc64 !== undefined && b.crc64 !== undefined ? a.crc64 === b.crc64 : a.etag === b.etag;
}

/** The status object the agent reads, rebuilt from the ledger row alone (so every writer writes the same). */
export function statusOf(row: LedgerRow): BatchStatus {
  const status: BatchStatus = {
    formatVersion: 1,
    batchId: row.batchId,
    kind: row.kind,
    dataset: row.dataset,
    status: row.status as BatchOutcome,
    at: isoOf(row.finishedAt),
    summary: row.summary ?? row.status,
    warnings: row.warnings,
  };
  if (row.status === 'loaded') status.rowsLoaded = row.rowsLoaded ?? 0;
  if (row.status === 'duplicate' && row.duplicateOf !== null) status.duplicateOf = row.duplicateOf;
  if (row.status === 'rejected') {
    if (row.errorCode !== null) status.code = row.errorCode;
    status.reasonKey = formatBatchKey({ ...row, area: 'quarantine', file: 'reason.json' });
  }
  return status;
}

/** DATETIME(3) as mysql2 returns it with dateStrings ('2026-11-26 18:00:00.123'), in ISO 8601 UTC. */
function isoOf(datetime: string | null): string {
  if (datetime === null) return new Date(0).toISOString();
  const [date, time = '00:00:00.000'] = datetime.split(' ');
  return `${date}T${time.length === 8 ? `${time}.000` : time}Z`;
}

/** Another instance may have moved the object already. */
async function tolerateGone(work: Promise<unknown>): Promise<void> {
  try {
    await work;
  } catch (error) {
    if (!(isTerminal(error) && error.code === 'OSS_NOT_FOUND')) throw error;
  }
}
