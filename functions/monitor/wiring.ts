import { MnsFailureQueue } from '../../adapters/alerts/failure-queue.js';
import { Fc3FunctionClient } from '../../adapters/function-client/fc3.js';
import { AlertStore } from '../../adapters/warehouse/alert-store.js';
import { IncidentStore } from '../../adapters/warehouse/incident-store.js';
import { createPool, type Pool } from '../../adapters/warehouse/pool.js';
import { type FunctionConfig, parseFunctionConfig } from '../../core/config.js';
import { createLogger, type Logger } from '../../core/logger.js';
import { cloudClients } from '../cloud-clients.js';
import { databaseUrl } from '../database-url.js';
import type { FcContext } from '../fc-context.js';
import type { MonitorDeps } from './deps.js';

/** The monitor's deps from its parts (the handler below, `npm run redrive`, the tests). */
export function createMonitorDeps(parts: {
  config: FunctionConfig;
  pool: Pool;
  context: FcContext;
  logger: Logger;
}): MonitorDeps {
  const { config, pool, context } = parts;
  const credentials = context.credentials;
  const { store, alerts, mns, mail } = cloudClients(config, context);
  return {
    config,
    pool,
    store,
    alerts,
    alertStore: new AlertStore({ source: 'monitor', mail: mail !== undefined }),
    incidents: new IncidentStore({ source: 'monitor', mail: mail !== undefined }),
    functions: new Fc3FunctionClient({
      accountId: context.accountId,
      region: context.region,
      endpoint: config.fcEndpoint,
      credentials,
    }),
    failures: new MnsFailureQueue(mns, config.failureQueue),
    logger: parts.logger.child({ requestId: context.requestId }),
    requestId: context.requestId,
    functionName: context.function?.name ?? 'qlib-monitor',
    accountId: context.accountId,
    region: context.region,
  };
}

// Module scope: kept between the invocations of one instance; the config is read once, at cold start.
let config: FunctionConfig | undefined;
let logger: Logger | undefined;
let pool: Pool | undefined;

/**
 * The handler's deps: config from process.env, a small pool (its password from KMS at cold start when
 * MYSQL_PASSWORD_SECRET is set, read with this function's role), clients for this invocation's credentials.
 */
export async function monitorDeps(context: FcContext): Promise<MonitorDeps> {
  config ??= parseFunctionConfig(process.env);
  logger ??= createLogger({
    write: (line) => process.stdout.write(line),
    now: () => new Date(),
    level: config.logLevel,
    context: { fn: 'monitor' },
  });
  pool ??= createPool({ url: await databaseUrl(config, context, logger), connectionLimit: 2 });
  return createMonitorDeps({ config, pool, context, logger });
}

/** FC's preStop (s.yaml instanceLifecycleConfig): end the pool so MySQL sees the connections close cleanly. */
export async function releaseMonitorDeps(requestId: string): Promise<void> {
  const closing = pool;
  pool = undefined;
  if (closing === undefined) return;
  await closing.end();
  logger?.info('instance stopping: database pool closed', { requestId });
}
