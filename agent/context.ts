import type { UploadingStore } from '../adapters/object-store/store.js';
import type { Logger } from '../core/logger.js';
import type { Journal } from './journal/journal.js';
import type { ProgressReporter } from './progress.js';
import type { AgentSettings } from './settings.js';

/** What every command works with; the CLI wires it, tests may wire their own (real clients, local servers). */
export interface AgentContext {
  settings: AgentSettings;
  store: UploadingStore;
  journal: Journal;
  logger: Logger;
  progress: ProgressReporter;
  now: () => Date;
  producer: { host: string; agentVersion: string };
  /** Largest batch, MiB of rows (QLIB_SYNC_BATCH_MIB; agent/split); 0: never split. */
  batchMib?: number;
  /** Injected for tests that must not wait out real backoff delays. */
  sleep?: (ms: number) => Promise<void>;
}
