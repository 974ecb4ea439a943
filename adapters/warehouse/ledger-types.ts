import type { RowDataPacket } from 'mysql2/promise';
import type { BatchKind } from '../../core/keys.js';

/** The ledger statuses (migrations/0002_ledger.sql). */
export type LedgerStatus = 'loading' | 'loaded' | 'rejected' | 'failed' | 'duplicate';

/** Final statuses: a batch in one of these is never processed again, only tidied up. */
export const SETTLED: readonly LedgerStatus[] = ['loaded', 'rejected', 'duplicate'];

/** What is known about a batch when it is claimed: always its key, the rest when the manifest was readable. */
export interface BatchFacts {
  batchId: string;
  kind: BatchKind;
  dataset: string;
  manifestKey: string;
  contentSha256?: string;
  payloadCrc64?: string;
  payloadBytes?: number;
  dateStart?: string;
  dateEnd?: string;
  rowCount?: number;
}

/** A ledger row as the ingest flow reads it. */
export interface LedgerRow {
  batchId: string;
  kind: BatchKind;
  dataset: string;
  status: LedgerStatus;
  attempts: number;
  leaseOwner: string | null;
  rowsLoaded: number | null;
  duplicateOf: string | null;
  restatesBatchId: string | null;
  errorCode: string | null;
  summary: string | null;
  warnings: string[];
  dateEnd: string | null;
  finishedAt: string | null;
  /** The payload the ledger settled, as its manifest declared it (null when the manifest was unreadable). */
  contentSha256: string | null;
  payloadCrc64: string | null;
  payloadBytes: number | null;
}

/** The outcome of a claim. */
export type Claim =
  /** This owner holds the lease now (a new batch, an expired lease, a failed batch or a retry of the same request). */
  | { kind: 'claimed'; attempt: number; takenOverFrom?: string }
  /** Final already: a redelivery; only housekeeping is left. */
  | { kind: 'settled'; row: LedgerRow }
  /** Another owner holds a live lease (for `remainingMs` more, by the database clock): step aside. */
  | { kind: 'in_progress'; owner: string; expiresAt: string; remainingMs: number }
  /** The batch id is taken by another kind or dataset. */
  | { kind: 'conflict'; row: LedgerRow };

export const ROW_COLUMNS =
  'batch_id, kind, dataset, status, attempts, lease_owner, rows_loaded, duplicate_of, restates_batch_id, ' +
  'error_code, summary, warnings, date_end, finished_at, content_sha256, payload_crc64, payload_bytes';

/** Map a SELECT of ROW_COLUMNS to a LedgerRow. */
export function toLedgerRow(r: RowDataPacket): LedgerRow {
  return {
    batchId: String(r.batch_id),
    kind: r.kind as BatchKind,
    dataset: String(r.dataset),
    status: r.status as LedgerStatus,
    attempts: Number(r.attempts),
    leaseOwner: r.lease_owner === null ? null : String(r.lease_owner),
    rowsLoaded: r.rows_loaded === null ? null : Number(r.rows_loaded),
    duplicateOf: r.duplicate_of ?? null,
    restatesBatchId: r.restates_batch_id ?? null,
    errorCode: r.error_code ?? null,
    summary: r.summary ?? null,
    warnings: parseWarnings(r.warnings),
    dateEnd: r.date_end ?? null,
    finishedAt: r.finished_at ?? null,
    contentSha256: r.content_sha256 ?? null,
    payloadCrc64: r.payload_crc64 ?? null,
    payloadBytes: r.payload_bytes === null || r.payload_bytes === undefined ? null : Number(r.payload_bytes),
  };
}

function parseWarnings(text: unknown): string[] {
  if (typeof text !== 'string' || text === '') return [];
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed.map(String) : [];
}

/**
 * The lease owner of one attempt: `<requestId>/<nonce>`. FC async retries keep the request id, and run only
 * after the previous attempt ended (crash, timeout, throw), so an owner with the same request id is a dead
 * attempt and its lease can be taken at once; the nonce still fences a zombie of that attempt out of commit.
 */
export function sameRequest(ownerA: string, ownerB: string): boolean {
  const request = (owner: string) => owner.slice(0, owner.lastIndexOf('/'));
  return ownerA.includes('/') && request(ownerA) === request(ownerB);
}

/** How a claimed batch ends. */
export interface Settlement {
  status: 'loaded' | 'rejected' | 'duplicate';
  summary: string;
  rowsLoaded?: number;
  duplicateOf?: string;
  restatesBatchId?: string;
  errorCode?: string;
  errorDetail?: string;
  warnings?: string[];
  eventDetail?: unknown;
}

/** The facts in column order of the batches INSERT (batch_id … row_count). */
export function factValues(f: BatchFacts): unknown[] {
  return [
    f.batchId,
    f.kind,
    f.dataset,
    f.contentSha256 ?? null,
    f.payloadCrc64 ?? null,
    f.payloadBytes ?? null,
    f.manifestKey,
    f.dateStart ?? null,
    f.dateEnd ?? null,
    f.rowCount ?? null,
  ];
}

/** batch_events.detail: text as is, anything else as JSON. */
export function detailText(detail: unknown): string | null {
  if (detail === undefined || detail === null) return null;
  return typeof detail === 'string' ? detail : JSON.stringify(detail);
}
