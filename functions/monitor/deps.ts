import type { Pool } from 'mysql2/promise';
import type { FailureQueue } from '../../adapters/alerts/failure-queue.js';
import type { AlertPublisher } from '../../adapters/alerts/mns.js';
import type { FunctionClient } from '../../adapters/function-client/fc3.js';
import type { ObjectLister, ObjectStore } from '../../adapters/object-store/store.js';
import type { AlertStore } from '../../adapters/warehouse/alert-store.js';
import type { IncidentStore } from '../../adapters/warehouse/incident-store.js';
import type { FunctionConfig } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';

/**
 * Everything a monitor run touches, passed in: the cloud handler, the local runtime, the
 * `npm run redrive` command and the tests build it with real clients pointed at different endpoints.
 */
export interface MonitorDeps {
  config: FunctionConfig;
  pool: Pool;
  store: ObjectStore & ObjectLister;
  alerts: AlertPublisher;
  alertStore: AlertStore;
  incidents: IncidentStore;
  functions: FunctionClient;
  failures: FailureQueue;
  logger: Logger;
  requestId: string;
  /** this function's name (FC context.function.name): its own FC failures resolve when a run completes */
  functionName: string;
  accountId: string;
  region: string;
}

/** Bounds of one run, so a backlog never makes a run slow (docs/monitor.md). */
export const RUN_LIMITS = {
  /** trading days back each freshness and drift check looks at */
  lookbackDays: 5,
  /** FC failure records drained per run */
  failureMessages: 50,
  /** incoming/ listing pages (1000 keys each) per run; the scan resumes where it stopped */
  listingPages: 10,
  /** stale outbox messages retried per run */
  stalePublishes: 50,
  /** evaluations older than this are pruned */
  historyDays: 90,
} as const;
