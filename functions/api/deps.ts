import type { Pool } from '../../adapters/warehouse/pool.js';
import type { FunctionConfig } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
import type { ApiCloud } from './cloud.js';

/** The part of the function configuration the API reads (core/config.ts). */
export type ApiSettings = Pick<
  FunctionConfig,
  'apiPageBytes' | 'apiMaxInstruments' | 'apiMaxScanRows' | 'apiTimezone' | 'monitorIntervalMinutes'
>;

/**
 * Everything a request touches, passed in: the cloud handler, the local runtime and the tests
 * build it with real clients (functions/api/wiring.ts). Hono hands it to every route as `c.env`.
 */
export interface ApiDeps {
  config: ApiSettings;
  pool: Pool;
  logger: Logger;
  requestId: string;
  now: () => Date;
  /** OSS links and re-drives, with the invocation's credentials (functions/api/cloud.ts). */
  cloud: ApiCloud;
}

/** The caller, once its token checked out. */
export interface Caller {
  tokenId: string;
  name: string;
  scopes: string[];
}

/** Hono's environment: deps as bindings, the caller as a variable. */
export interface ApiEnv {
  Bindings: ApiDeps;
  Variables: { caller: Caller };
}
