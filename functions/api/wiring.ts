import { createPool, type Pool } from '../../adapters/warehouse/pool.js';
import { type FunctionConfig, parseFunctionConfig } from '../../core/config.js';
import { createLogger, type Logger } from '../../core/logger.js';
import type { FcContext } from '../fc-context.js';
import { createApiCloud } from './cloud.js';
import type { ApiDeps } from './deps.js';

// Module scope: one instance serves one request at a time (FC 3.0 built-in runtimes) and keeps these between
// requests. The config is read once, at cold start; a bad one fails every invocation loudly.
let config: FunctionConfig | undefined;
let logger: Logger | undefined;
let pool: Pool | undefined;

/** The deps of one request: config from process.env, one pooled connection (one request at a time), the logger. */
export function apiDeps(context: FcContext): ApiDeps {
  config ??= parseFunctionConfig(process.env);
  logger ??= createLogger({
    write: (line) => process.stdout.write(line),
    now: () => new Date(),
    level: config.logLevel,
    context: { fn: 'api' },
  });
  pool ??= createPool({ url: config.apiMysqlUrl ?? config.mysqlUrl, connectionLimit: 2 });
  const requestLogger = logger.child({ requestId: context.requestId });
  return {
    config,
    pool,
    logger: requestLogger,
    requestId: context.requestId,
    now: () => new Date(),
    cloud: createApiCloud({
      config,
      pool,
      logger: requestLogger,
      credentials: context.credentials,
      region: context.region,
      accountId: context.accountId,
    }),
  };
}
