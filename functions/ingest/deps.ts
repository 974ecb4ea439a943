import type { Pool } from 'mysql2/promise';
import type { AlertPublisher } from '../../adapters/alerts/mns.js';
import type { ObjectStore } from '../../adapters/object-store/store.js';
import type { AlertStore } from '../../adapters/warehouse/alert-store.js';
import type { Ledger } from '../../adapters/warehouse/ledger.js';
import type { LoadMode } from '../../adapters/warehouse/loader.js';
import type { FunctionConfig } from '../../core/config.js';
import type { BatchRef } from '../../core/keys.js';
import type { Logger } from '../../core/logger.js';

/** The part of the function configuration ingest reads (core/config.ts). */
export type IngestSettings = Pick<
  FunctionConfig,
  | 'ossBucket'
  | 'ossRegion'
  | 'unknownDataset'
  | 'schemaContract'
  | 'leaseSeconds'
  | 'maxInstruments'
  | 'maxInflateRatio'
> & { loadMode: LoadMode };

/**
 * Everything ingestBatch touches, passed in: the cloud, the local runtime, the demo and the
 * tests build it with real clients (functions/ingest/wiring.ts), pointed at different endpoints.
 */
export interface IngestDeps {
  config: IngestSettings;
  store: ObjectStore;
  pool: Pool;
  ledger: Ledger;
  alertStore: AlertStore;
  alerts: AlertPublisher;
  logger: Logger;
  /** context.requestId: FC async retries keep it, so the lease recognises a dead attempt of the same request. */
  requestId: string;
  now: () => Date;
  /** Pauses between alert publish attempts (bounded and short: alerts never hold up data). */
  alertRetryDelaysMs?: readonly number[];
}

/** The batch an event is about: its bucket and the key of its manifest in incoming/. */
export interface ManifestRef extends BatchRef {
  bucket: string;
  key: string;
}

/** One claimed batch being processed. */
export interface Job {
  ref: ManifestRef;
  owner: string;
  attempt: number;
  log: Logger;
}
