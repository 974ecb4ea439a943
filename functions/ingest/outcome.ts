import type { LedgerStatus } from '../../adapters/warehouse/ledger.js';

/** What ingestBatch returns: expected outcomes are values, not exceptions. */
export type IngestOutcome =
  | { status: 'loaded'; batchId: string; rowsLoaded: number; warnings: string[]; restated: string[] }
  | { status: 'rejected'; batchId: string; code: string; reasonKey: string }
  /** Same content as a loaded batch, or a redelivery of a batch already settled (`redelivered` says as what). */
  | { status: 'duplicate'; batchId: string; duplicateOf?: string; redelivered?: LedgerStatus }
  /** Another attempt holds the batch's lease: this delivery steps aside. */
  | { status: 'in_progress'; batchId: string; owner: string }
  /** A batch filed under quarantine/_rejected/: its key is not a valid batch key (KEY_INVALID). */
  | { status: 'rejected_key'; key: string; code: string; reasonKey: string; statusKey: string }
  /** Nothing to do: the manifest is gone and the ledger has never seen the batch. */
  | { status: 'skipped'; key: string; reason: string };
