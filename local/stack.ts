import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import MNS from '@alicloud/mns';
import type { Logger } from '../core/logger.js';
import type { ManualClock } from './fc/clock.js';
import type { InvocationRecord } from './fc/invocation.js';
import { type FcRuntime, startFcRuntime } from './fc/runtime.js';
import { mnsSubscribe } from './mns/request.js';
import { type MnsServer, startMnsServer } from './mns/server.js';
import { type OssServer, type OssServerOptions, startOssServer } from './oss/server.js';

/**
 * The embedded cloud in one call: OSS server, MNS server (alert topic + an inbox queue subscribed to it)
 * and the FC runtime on an s.yaml, with the functions' environment pointed at the local endpoints.
 * `npm run local`, the demo and the tests all start it through here (ARCHITECTURE.md: one wiring function).
 */
export interface LocalStackOptions {
  /** state root: `<stateDir>/oss` (objects), `<stateDir>/mns` (topics, queues, messages) */
  stateDir: string;
  /** wipe stateDir first */
  reset?: boolean;
  host?: string;
  /** 0 (default): ephemeral */
  ossPort?: number;
  mnsPort?: number;
  region?: string;
  accountId?: string;
  credentials?: { accessKeyId: string; accessKeySecret: string };
  bucket?: string;
  alertTopic?: string;
  mysqlUrl?: string;
  /** default: the repo's s.yaml */
  sYamlPath?: string;
  codeRoot?: string;
  /** more ${env('…')} values for the s.yaml (LOG_LEVEL, LOAD_MODE …); the endpoints are always the local ones */
  env?: Record<string, string | undefined>;
  clock?: 'real' | ManualClock;
  retryDelaysMs?: number[];
  log?: (line: string, fn: string) => void;
  logger?: Logger;
  onInvokeStart?: (record: InvocationRecord) => void;
  /** Test hook for the OSS server (fault injection, a stalled GetObject body): see local/oss/server.ts. */
  ossIntercept?: OssServerOptions['intercept'];
}

export interface LocalStack {
  oss: OssServer;
  mns: MnsServer;
  fc: FcRuntime;
  region: string;
  accountId: string;
  bucket: string;
  alertTopic: string;
  /** a queue subscribed to the alert topic (SIMPLIFIED: the raw message body), for reading alerts */
  alertQueue: string;
  credentials: { accessKeyId: string; accessKeySecret: string };
  /** the ${env('…')} values the s.yaml was resolved with */
  sYamlEnv: Record<string, string | undefined>;
  close(): Promise<void>;
}

export const LOCAL_DEFAULTS = {
  host: '127.0.0.1',
  region: 'cn-hangzhou',
  accountId: '1234567890123456',
  credentials: { accessKeyId: 'LTAI5tLocalStackKeyId', accessKeySecret: 'local-stack-secret-do-not-use' },
  bucket: 'qlib-local',
  alertTopic: 'qlib-alerts',
  mysqlUrl: 'mysql://root@127.0.0.1:3306/qlib_local',
};

const REPO_S_YAML = resolve(import.meta.dirname, '..', 's.yaml');

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const o = withDefaults(options);
  if (options.reset === true) await rm(o.stateDir, { recursive: true, force: true });
  await mkdir(join(o.stateDir, 'oss'), { recursive: true });
  await mkdir(join(o.stateDir, 'mns'), { recursive: true });
  const common = { host: o.host, region: o.region, accountId: o.accountId, credentials: [o.credentials] };
  const oss = await startOssServer({
    ...common,
    root: join(o.stateDir, 'oss'),
    port: o.ossPort,
    buckets: [o.bucket],
    intercept: options.ossIntercept,
  });
  let mns: MnsServer | undefined;
  try {
    mns = await startMnsServer({ ...common, root: join(o.stateDir, 'mns'), port: o.mnsPort });
    const alertQueue = await createAlertInbox(mns, o);
    const sYamlEnv = functionEnv(o, oss, mns);
    const fc = await startFcRuntime({
      sYamlPath: options.sYamlPath ?? REPO_S_YAML,
      env: sYamlEnv,
      config: { AccountID: o.accountId, AccessKeyID: o.credentials.accessKeyId },
      credentials: o.credentials,
      oss,
      mns: { url: mns.url, accountId: o.accountId, credentials: o.credentials },
      clock: o.clock,
      retryDelaysMs: o.retryDelaysMs,
      httpHost: o.host,
      codeRoot: o.codeRoot,
      log: o.log,
      logger: o.logger,
      onInvokeStart: o.onInvokeStart,
    });
    const started = mns;
    const close = async () => {
      await fc.close();
      await Promise.all([oss.close(), started.close()]);
    };
    return { ...pick(o), oss, mns, fc, alertQueue, sYamlEnv, close };
  } catch (error) {
    await Promise.all([oss.close(), mns?.close()]);
    throw error;
  }
}

type Resolved = typeof LOCAL_DEFAULTS & LocalStackOptions;

/** Defaults for every option left out or given as undefined. */
function withDefaults(options: LocalStackOptions): Resolved {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  return { ...LOCAL_DEFAULTS, ...given } as Resolved;
}

function pick(o: Resolved) {
  const { region, accountId, bucket, alertTopic, credentials } = o;
  return { region, accountId, bucket, alertTopic, credentials };
}

/** What the s.yaml's ${env('…')} see: the caller's extras, then the local endpoints and placeholders. */
function functionEnv(o: Resolved, oss: OssServer, mns: MnsServer): Record<string, string | undefined> {
  return {
    ...o.env,
    REGION: o.region,
    OSS_BUCKET: o.bucket,
    OSS_ENDPOINT: oss.url,
    OSS_INTERNAL: 'false',
    MNS_ENDPOINT: mns.url,
    ALERT_TOPIC: o.alertTopic,
    MYSQL_URL: o.mysqlUrl,
    // Deploy-only settings the s.yaml requires; nothing local reads them.
    FC_ROLE_ARN: `acs:ram::${o.accountId}:role/qlib-local`,
    VPC_ID: 'vpc-local',
    VSWITCH_ID: 'vsw-local',
    SECURITY_GROUP_ID: 'sg-local',
  };
}

/** Create the alert topic and a queue subscribed to it (both idempotent across restarts). */
async function createAlertInbox(mns: MnsServer, o: Resolved): Promise<string> {
  const client = new MNS(o.accountId, { ...o.credentials, endpoint: mns.url });
  const queue = `${o.alertTopic}-inbox`;
  await client.createTopic(o.alertTopic);
  await client.createQueue(queue);
  await mnsSubscribe(mns.url, o.credentials, o.alertTopic, 'inbox', {
    endpoint: `acs:mns:${o.region}:${o.accountId}:queues/${queue}`,
    notifyContentFormat: 'SIMPLIFIED',
  });
  return queue;
}
