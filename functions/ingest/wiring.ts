import { AlertStore } from '../../adapters/warehouse/alert-store.js';
import { Ledger } from '../../adapters/warehouse/ledger.js';
import type { LoadMode } from '../../adapters/warehouse/loader.js';
import { createPool, type Pool } from '../../adapters/warehouse/pool.js';
import { resolveLoadMode } from '../../adapters/warehouse/warehouse-facts.js';
import { type FunctionConfig, parseFunctionConfig } from '../../core/config.js';
import { createLogger, type Logger } from '../../core/logger.js';
import { cloudClients, mailOf } from '../cloud-clients.js';
import { databaseUrl } from '../database-url.js';
import type { FcContext } from '../fc-context.js';
import type { IngestDeps } from './deps.js';

/** The clients that depend on the STS credentials, rebuilt when FC hands over fresh ones. */
export interface CredentialedClients {
  store: IngestDeps['store'];
  alerts: IngestDeps['alerts'];
}

/** Build the OSS store and the MNS publisher for one set of credentials. */
export function createClients(config: FunctionConfig, context: FcContext): CredentialedClients {
  const { store, alerts } = cloudClients(config, context);
  return { store, alerts };
}

/** Assemble the deps of one invocation from its parts (the handler below, the tests and the bench). */
export function createIngestDeps(parts: {
  config: FunctionConfig;
  loadMode: LoadMode;
  pool: Pool;
  clients: CredentialedClients;
  logger: Logger;
  requestId: string;
}): IngestDeps {
  const { config, pool } = parts;
  return {
    config: { ...config, loadMode: parts.loadMode },
    ...parts.clients,
    pool,
    ledger: new Ledger(pool),
    alertStore: new AlertStore({ source: 'ingest', mail: mailOf(config) !== undefined }),
    logger: parts.logger.child({ requestId: parts.requestId }),
    requestId: parts.requestId,
    now: () => new Date(),
  };
}

// Module scope: one instance serves one request at a time (FC 3.0 built-in runtimes), and keeps these
// between requests. The config is read once, at cold start; a bad one fails every invocation loudly.
let config: FunctionConfig | undefined;
let logger: Logger | undefined;
let pool: Pool | undefined;
let loadMode: LoadMode | undefined;
let clients: { key: string; value: CredentialedClients } | undefined;

/**
 * The instance is going away (FC's preStop hook): end the pool so MySQL sees the connections close cleanly
 * (COM_QUIT) instead of being cut, and forget the rest. The next cold start builds everything again.
 */
export async function releaseIngestDeps(requestId: string): Promise<void> {
  const closing = pool;
  pool = undefined;
  loadMode = undefined;
  clients = undefined;
  if (closing === undefined) return;
  await closing.end();
  logger?.info('instance stopping: database pool closed', { requestId });
}

/** The handler's deps: config from process.env, the pool (2 connections: load + lease), clients per credentials. */
export async function ingestDeps(context: FcContext): Promise<IngestDeps> {
  config ??= parseFunctionConfig(process.env);
  logger ??= createLogger({
    write: (line) => process.stdout.write(line),
    now: () => new Date(),
    level: config.logLevel,
    context: { fn: 'ingest' },
  });
  pool ??= createPool({ url: await databaseUrl(config, context, logger), connectionLimit: 2 });
  loadMode ??= await resolveLoadMode(pool, config.loadMode);
  const key = `${context.credentials.accessKeyId}:${context.credentials.securityToken ?? ''}`;
  if (clients?.key !== key) clients = { key, value: createClients(config, context) };
  return createIngestDeps({
    config,
    loadMode,
    pool,
    clients: clients.value,
    logger,
    requestId: context.requestId,
  });
}
