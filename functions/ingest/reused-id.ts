import type { LedgerRow } from '../../adapters/warehouse/ledger.js';
import { formatBatchKey } from '../../core/keys.js';
import type { IngestDeps, ManifestRef } from './deps.js';
import { hashStored } from './duplicate-content.js';
import type { ManifestRead } from './manifest-read.js';
import type { IngestOutcome } from './outcome.js';
import { fileRejection } from './rejected-objects.js';

/** What differs between the bytes the ledger settled under a batch id and what now sits in incoming/. */
export interface Reuse {
  what: string;
  incoming: { sha256?: string; crc64?: string; bytes?: number };
}

const WHAT_TO_DO = [
  'A batch id names one batch forever: the first batch under this id is settled, and its evidence under loaded/ or quarantine/ was left untouched.',
  'Push the new bytes again as a new batch (a new batch id; the agent chooses ids itself), or delete what you uploaded if it was a mistake.',
];

/**
 * A redelivery of a settled batch is a no-op — unless the objects in incoming/ are new bytes under the same id
 * (a producer reusing ids, a replaced upload). Compares the manifest's declared digest with the ledger's, and the
 * stored payload's size and CRC-64 (or, without one, its SHA-256) with what the ledger settled.
 */
export async function reusedId(
  deps: IngestDeps,
  ref: ManifestRef,
  row: LedgerRow,
  read: ManifestRead,
): Promise<Reuse | undefined> {
  if (read.kind === 'valid') {
    const p = read.manifest.payload;
    const incoming = { sha256: p.sha256, crc64: p.crc64, bytes: p.bytes };
    if (row.contentSha256 === null) {
      return { what: 'the manifest is readable now; the batch was settled with an unreadable one', incoming };
    }
    if (p.sha256 !== row.contentSha256 || p.crc64 !== row.payloadCrc64 || p.bytes !== row.payloadBytes) {
      return { what: 'the manifest describes other payload bytes than the ledger settled', incoming };
    }
  } else if (read.kind === 'invalid' && row.contentSha256 !== null) {
    return {
      what: 'the manifest is unreadable now; the batch was settled with a readable one',
      incoming: {},
    };
  }
  if (row.payloadBytes === null) return undefined; // nothing to compare with: moveIncoming compares the copies
  const file = ref.kind === 'experiments' ? 'data.jsonl.gz' : 'data.csv.gz';
  const key = formatBatchKey({ ...ref, area: 'incoming', file });
  const info = await deps.store.head(key);
  if (info === undefined) return undefined;
  const crcDiffers = info.crc64 !== undefined && row.payloadCrc64 !== null && info.crc64 !== row.payloadCrc64;
  if (info.size !== row.payloadBytes || crcDiffers) {
    const incoming = { bytes: info.size, ...(info.crc64 === undefined ? {} : { crc64: info.crc64 }) };
    return { what: 'the payload in incoming/ is other bytes than the ledger settled', incoming };
  }
  if (info.crc64 !== undefined) return undefined;
  const digest = await hashStored(deps, key);
  if (digest === undefined || digest.sha256 === row.contentSha256) return undefined;
  return { what: 'the payload in incoming/ is other bytes than the ledger settled', incoming: digest };
}

/**
 * New bytes under a settled batch id: filed under quarantine/_rejected/ (never over anything in loaded/ or
 * quarantine/), a `conflict` event on the batch's ledger row with both digests, its own status and an alert.
 */
export async function quarantineReused(
  deps: IngestDeps,
  ref: ManifestRef,
  row: LedgerRow,
  reuse: Reuse,
): Promise<IngestOutcome> {
  const ledgerDigest = { sha256: row.contentSha256, crc64: row.payloadCrc64, bytes: row.payloadBytes };
  const message = `batch id ${ref.batchId} was settled as ${row.status}; ${reuse.what}`;
  // On record first: the status the producer polls comes last (rejected-objects.ts).
  const detail = {
    code: 'BATCH_ID_REUSED',
    what: reuse.what,
    settled: ledgerDigest,
    incoming: reuse.incoming,
  };
  await deps.ledger.record(deps.pool, ref.batchId, {
    event: 'conflict',
    detail: { ...detail, key: ref.key },
  });
  const filed = await fileRejection(deps, {
    manifestKey: ref.key,
    code: 'BATCH_ID_REUSED',
    message,
    batchId: ref.batchId,
    kind: ref.kind,
    dataset: ref.dataset,
    ledger: `batches batch_id=${ref.batchId} (the first batch, unchanged; event conflict)`,
    evidence: { conflict: { settled: { status: row.status, ...ledgerDigest }, incoming: reuse.incoming } },
    whatToDo: WHAT_TO_DO,
  });
  deps.logger.error('new bytes under a settled batch id: quarantined, the first batch untouched', {
    batchId: ref.batchId,
    dataset: ref.dataset,
    what: reuse.what,
    reasonKey: filed.reasonKey,
  });
  return { status: 'rejected', batchId: ref.batchId, code: 'BATCH_ID_REUSED', reasonKey: filed.reasonKey };
}
