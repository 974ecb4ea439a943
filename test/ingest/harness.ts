import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MNS from '@alicloud/mns';
import OSS from 'ali-oss';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { AlertPublisher } from '../../adapters/alerts/mns.js';
import type { LoadMode } from '../../adapters/warehouse/loader.js';
import { type FunctionConfig, parseFunctionConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import type { IngestDeps, ManifestRef } from '../../functions/ingest/deps.js';
import { ingestBatch } from '../../functions/ingest/ingest-batch.js';
import type { IngestOutcome } from '../../functions/ingest/outcome.js';
import { createClients, createIngestDeps } from '../../functions/ingest/wiring.js';
import { mnsSubscribe } from '../../local/mns/request.js';
import { type MnsServer, startMnsServer } from '../../local/mns/server.js';
import {
  type OssFault,
  type OssInterceptedRequest,
  type OssServer,
  startOssServer,
} from '../../local/oss/server.js';
import { createTestDatabase, type TestDatabase } from '../support/mysql.js';
import type { Batch } from './batch-builder.js';

export const ACCOUNT = '1234567890123456';
export const REGION = 'cn-hangzhou';
export const BUCKET = 'qlib-ingest-test';
export const TOPIC = 'qlib-alerts';
export const CREDENTIALS = { accessKeyId: 'LTAI5tIngestTest', accessKeySecret: 'ingest-test-secret' };

export interface DepsOverrides {
  loadMode?: LoadMode;
  requestId?: string;
  config?: Partial<FunctionConfig>;
  alerts?: AlertPublisher;
  /** The connections of one FC instance (a pool of 2, as functions/ingest/wiring.ts makes), instead of the shared one. */
  pool?: Pool;
}

/**
 * ingestBatch run in-process with real clients: MariaDB (own database), the local OSS and MNS servers through
 * the real ali-oss and @alicloud/mns, deps assembled by the function's own wiring (createIngestDeps).
 */
export interface DirectEnv {
  db: TestDatabase;
  oss: OssServer;
  mns: MnsServer;
  client: OSS;
  mnsClient: MNS;
  /** a queue subscribed to the alert topic (raw message bodies) */
  inbox: string;
  deps(overrides?: DepsOverrides): IngestDeps;
  upload(batch: Batch, parts?: { payload?: boolean; manifest?: boolean }): Promise<void>;
  /** upload, then deliver the manifest's event once */
  ingest(batch: Batch, overrides?: DepsOverrides): Promise<IngestOutcome>;
  deliver(batch: Batch, overrides?: DepsOverrides): Promise<IngestOutcome>;
  /** binary protocol: FLOAT columns come back bit-exact */
  query(sql: string, params?: unknown[]): Promise<RowDataPacket[]>;
  json(key: string): Promise<Record<string, unknown>>;
  /** The tables of a factor dataset that exist (f_<dataset>, f_<dataset>__history): none after a rejected first batch. */
  tablesOf(dataset: string): Promise<string[]>;
  exists(key: string): Promise<boolean>;
  close(): Promise<void>;
}

/** A fault the local OSS server answers instead of the real thing (its `intercept` hook), switchable per test. */
export type Fault = (req: OssInterceptedRequest) => OssFault;

export async function startDirect(
  label: string,
  config: Record<string, string> = {},
  faults: { current?: Fault } = {},
): Promise<DirectEnv> {
  const dir = await mkdtemp(join(tmpdir(), `ingest-${label}-`));
  const db = await createTestDatabase(`ingest_${label}`);
  const common = { region: REGION, accountId: ACCOUNT, credentials: [CREDENTIALS] };
  const oss = await startOssServer({
    ...common,
    root: join(dir, 'oss'),
    buckets: [BUCKET],
    logger: quiet(),
    intercept: (req) => faults.current?.(req),
  });
  const mns = await startMnsServer({ ...common, root: join(dir, 'mns') });
  const mnsClient = new MNS(ACCOUNT, { ...CREDENTIALS, endpoint: mns.url });
  const inbox = await alertInbox(mns, mnsClient);
  const base = functionConfig({ OSS_ENDPOINT: oss.url, MNS_ENDPOINT: mns.url, MYSQL_URL: db.url, ...config });
  const client = ossClient(oss.url);
  let requests = 0;
  const deps = (o: DepsOverrides = {}): IngestDeps => {
    const cfg = { ...base, ...o.config };
    const requestId = o.requestId ?? `req-${label}-${++requests}`;
    const context = { requestId, credentials: CREDENTIALS, region: REGION, accountId: ACCOUNT };
    const clients = createClients(cfg, context);
    if (o.alerts !== undefined) clients.alerts = o.alerts;
    const loadMode = o.loadMode ?? (cfg.loadMode === 'auto' ? 'load-data' : cfg.loadMode);
    const built = createIngestDeps({
      config: cfg,
      loadMode,
      pool: o.pool ?? db.pool,
      clients,
      logger: quiet(),
      requestId,
    });
    return { ...built, alertRetryDelaysMs: [5, 5] };
  };
  const upload = async (batch: Batch, parts: { payload?: boolean; manifest?: boolean } = {}) => {
    if (parts.payload !== false) await client.put(batch.payloadKey, batch.payload);
    if (parts.manifest !== false) await client.put(batch.manifestKey, Buffer.from(batch.manifestText));
  };
  const deliver = (batch: Batch, o?: DepsOverrides) => ingestBatch(deps(o), refOf(batch));
  return {
    db,
    oss,
    mns,
    client,
    mnsClient,
    inbox,
    deps,
    upload,
    deliver,
    ingest: async (batch, o) => {
      await upload(batch);
      return deliver(batch, o);
    },
    query: async (sql, params = []) => (await db.pool.execute<RowDataPacket[]>(sql, params as never))[0],
    json: async (key) => JSON.parse((await client.get(key)).content.toString('utf8')),
    tablesOf: async (dataset) => {
      const rows = await db.pool.query<RowDataPacket[]>(
        `SELECT TABLE_NAME AS t FROM information_schema.TABLES
          WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?, ?) ORDER BY TABLE_NAME`,
        [`f_${dataset}`, `f_${dataset}__history`],
      );
      return rows[0].map((r) => String(r.t));
    },
    exists: async (key) =>
      client.head(key).then(
        () => true,
        () => false,
      ),
    close: async () => {
      await Promise.all([oss.close(), mns.close()]);
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function refOf(batch: Batch): ManifestRef {
  return {
    bucket: BUCKET,
    key: batch.manifestKey,
    kind: batch.kind,
    dataset: batch.dataset,
    batchId: batch.batchId,
  };
}

/** The function configuration as the cloud parses it (core/config.ts), pointed at the local services. */
export function functionConfig(env: Record<string, string>): FunctionConfig {
  return parseFunctionConfig({
    OSS_BUCKET: BUCKET,
    OSS_REGION: REGION,
    OSS_INTERNAL: 'false',
    ALERT_TOPIC: TOPIC,
    LEASE_SECONDS: '30',
    LOG_LEVEL: 'error',
    ...env,
  });
}

export function ossClient(endpoint: string, bucket = BUCKET, credentials = CREDENTIALS): OSS {
  return new OSS({ ...credentials, bucket, region: `oss-${REGION}`, endpoint, secure: false });
}

/** Create the alert topic and a queue subscribed to it; subscribers receive the raw (base64) body. */
async function alertInbox(mns: MnsServer, client: MNS): Promise<string> {
  const queue = `${TOPIC}-inbox`;
  await client.createTopic(TOPIC);
  await client.createQueue(queue);
  await mnsSubscribe(mns.url, CREDENTIALS, TOPIC, 'inbox', {
    endpoint: `acs:mns:${REGION}:${ACCOUNT}:queues/${queue}`,
    notifyContentFormat: 'SIMPLIFIED',
  });
  return queue;
}

/** Alerts a subscriber's queue received so far (decoded from base64), with their tags from the topic. */
export async function receiveAlerts(client: MNS, queue: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (;;) {
    const message = await client.receiveMessage(queue, 0).catch(() => undefined);
    if (message === undefined) return out;
    out.push(JSON.parse(Buffer.from(message.body.MessageBody, 'base64').toString('utf8')));
    await client.deleteMessage(queue, message.body.ReceiptHandle);
  }
}

export function quiet() {
  const verbose = process.env.INGEST_TEST_LOG === '1';
  return createLogger({
    write: (line) => (verbose ? process.stderr.write(line) : undefined),
    now: () => new Date(),
  });
}
