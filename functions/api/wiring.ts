import { createPool, type Pool } from '../../adapters/warehouse/pool.js';
import { type FunctionConfig, parseFunctionConfig } from '../../core/config.js';
import { createLogger, type Logger } from '../../core/logger.js';
import { databaseUrl } from '../database-url.js';
import type { FcContext } from '../fc-context.js';
import { createApiCloud } from './cloud.js';
import type { ApiDeps } from './deps.js';

// Module scope: one instance serves one request at a time (FC 3.0 built-in runtimes) and keeps these between
// requests. The config is read once, at cold start; a bad one fails every invocation loudly.
let config: FunctionConfig | undefined;
let logger: Logger | undefined;
let pool: Pool | undefined;

/**
 * The deps of one request: config from process.env, the pool (one request at a time), the logger. The pool
 * connects as API_MYSQL_URL's account (its password from API_MYSQL_PASSWORD_SECRET in KMS when set), or as
 * MYSQL_URL's (MYSQL_PASSWORD_SECRET), read once at cold start with this function's role.
 */
export async function apiDeps(context: FcContext): Promise<ApiDeps> {
  config ??= parseFunctionConfig(process.env);
  logger ??= createLogger({
    write: (line) => process.stdout.write(line),
    now: () => new Date(),
    level: config.logLevel,
    context: { fn: 'api' },
  });
  pool ??= createPool({ url: await databaseUrl(apiDatabase(config), context, logger), connectionLimit: 2 });
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

/** The database settings of the API: its own account when API_MYSQL_URL is set, else the functions' account. */
export function apiDatabase(config: FunctionConfig): Parameters<typeof databaseUrl>[0] {
  if (config.apiMysqlUrl === undefined) return config;
  return {
    mysqlUrl: config.apiMysqlUrl,
    mysqlPasswordSecret: config.apiMysqlPasswordSecret,
    kmsEndpoint: config.kmsEndpoint,
  };
}

/** FC's preStop (s.yaml instanceLifecycleConfig): end the pool so MySQL sees the connections close cleanly. */
export async function releaseApiDeps(requestId: string): Promise<void> {
  const closing = pool;
  pool = undefined;
  if (closing === undefined) return;
  await closing.end();
  logger?.info('instance stopping: database pool closed', { requestId });
}
