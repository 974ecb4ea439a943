import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import MNS from '@alicloud/mns';
import type { Logger } from '../core/logger.js';
import { createLogger } from '../core/logger.js';
import type { ManualClock } from './fc/clock.js';
import type { InvocationRecord } from './fc/invocation.js';
import { type InvokeApi, startInvokeApi } from './fc/invoke-api.js';
import { type FcRuntime, roleName, startFcRuntime } from './fc/runtime.js';
import { type KmsServer, startKmsServer } from './kms/server.js';
import { type MnsServer, startMnsServer } from './mns/server.js';
import {
  type OssAuthorization,
  type OssServer,
  type OssServerOptions,
  startOssServer,
} from './oss/server.js';
import type { RamPolicy } from './ram/policy.js';

/**
 * The embedded cloud in one call: OSS server, MNS server (the alert topic, the mail topic when asked for, and
 * the queue FC's onFailure records go to; nothing is subscribed: `npm run alerts -- subscribe` does that), the
 * FC runtime on an s.yaml and its FC 3.0 InvokeFunction API, with the functions' environment pointed at the
 * local endpoints.
 * `npm run local`, the demo and the tests all start it through here (one wiring function).
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
  /**
   * What the functions get as context.credentials, as FC hands a function its role's STS credentials (default:
   * `credentials`). The OSS and MNS servers accept them too.
   */
  functionCredentials?: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
  /**
   * STS credentials per RAM role name (s.yaml `role`: qlib-ingest, qlib-monitor, qlib-api, qlib-alert-relay by
   * default): each function whose role is here gets its role's credentials, as FC does; the others get
   * `functionCredentials`. The OSS, MNS, KMS servers and the FC API accept them all.
   */
  roleCredentials?: Readonly<
    Record<string, { accessKeyId: string; accessKeySecret: string; securityToken?: string }>
  >;
  /** RAM policies the OSS and KMS servers enforce per access key id (local/ram; deploy/ram), and who to tell. */
  policies?: ReadonlyMap<string, readonly RamPolicy[]>;
  onAuthorize?: (decision: OssAuthorization) => void;
  /** Start a KMS-compatible endpoint with these secrets (name → value); the functions get it as KMS_ENDPOINT. */
  kmsSecrets?: Readonly<Record<string, string>>;
  bucket?: string;
  alertTopic?: string;
  /** also create this topic and point ALERT_MAIL_TOPIC at it (with ALERT_MAIL_SENDER alerts@example.com) */
  alertMailTopic?: string;
  failureQueue?: string;
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
  alertMailTopic: string | undefined;
  /** the queue FC's onFailure records go to (s.yaml), drained by the monitor */
  failureQueue: string;
  /** the FC 3.0 API (InvokeFunction) the functions reach as FUNCTION_ENDPOINT */
  fcApiUrl: string;
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
  failureQueue: 'qlib-failures',
  mysqlUrl: 'mysql://root@127.0.0.1:3306/qlib_local',
};

const REPO_S_YAML = resolve(import.meta.dirname, '..', 's.yaml');

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const o = withDefaults(options);
  if (options.reset === true) await rm(o.stateDir, { recursive: true, force: true });
  await mkdir(join(o.stateDir, 'oss'), { recursive: true });
  await mkdir(join(o.stateDir, 'mns'), { recursive: true });
  const fnCredentials = o.functionCredentials ?? o.credentials;
  const roleCredentials = new Map(
    Object.entries(o.roleCredentials ?? {}).map(([name, c]) => [roleName(name), c]),
  );
  const keys = [
    ...new Set([o.credentials, fnCredentials, ...roleCredentials.values()]),
  ] as (typeof o.credentials)[];
  const common = { host: o.host, region: o.region, accountId: o.accountId, credentials: keys };
  const oss = await startOssServer({
    ...common,
    root: join(o.stateDir, 'oss'),
    port: o.ossPort,
    buckets: [o.bucket],
    intercept: options.ossIntercept,
    policies: o.policies,
    onAuthorize: o.onAuthorize,
  });
  let mns: MnsServer | undefined;
  let kms: KmsServer | undefined;
  let api: InvokeApi | undefined;
  try {
    mns = await startMnsServer({ ...common, root: join(o.stateDir, 'mns'), port: o.mnsPort });
    if (o.kmsSecrets !== undefined) {
      const { policies, onAuthorize } = o;
      kms = await startKmsServer({ ...common, secrets: o.kmsSecrets, policies, onAuthorize });
    }
    await createAlertResources(mns, o);
    const logger =
      o.logger ??
      createLogger({ write: (l) => (o.log ?? defaultLog)(l.trimEnd(), 'fc-runtime'), now: () => new Date() });
    api = await startInvokeApi({
      host: o.host,
      accountId: o.accountId,
      credentials: keys,
      now: () => Date.now(),
      logger,
    });
    const sYamlEnv = { ...functionEnv(o, oss, mns, api.url), ...(kms ? { KMS_ENDPOINT: kms.url } : {}) };
    const fc = await startFcRuntime({
      sYamlPath: options.sYamlPath ?? REPO_S_YAML,
      env: sYamlEnv,
      config: { AccountID: o.accountId, AccessKeyID: o.credentials.accessKeyId },
      credentials: fnCredentials,
      roleCredentials,
      oss,
      mns: { url: mns.url, accountId: o.accountId, credentials: o.credentials },
      clock: o.clock,
      retryDelaysMs: o.retryDelaysMs,
      httpHost: o.host,
      codeRoot: o.codeRoot,
      log: o.log,
      logger,
      onInvokeStart: o.onInvokeStart,
    });
    api.attach(fc.invokeTarget());
    const started = mns;
    const invokeApi = api;
    const close = async () => {
      await invokeApi.close();
      await fc.close();
      await Promise.all([oss.close(), started.close(), kms?.close()]);
    };
    return { ...pick(o), oss, mns, fc, fcApiUrl: api.url, sYamlEnv, close };
  } catch (error) {
    await Promise.all([oss.close(), mns?.close(), kms?.close(), api?.close()]);
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
  const { region, accountId, bucket, alertTopic, failureQueue, credentials } = o;
  return {
    region,
    accountId,
    bucket,
    alertTopic,
    alertMailTopic: o.alertMailTopic,
    failureQueue,
    credentials,
  };
}

function defaultLog(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** What the s.yaml's ${env('…')} see: the caller's extras, then the local endpoints and placeholders. */
function functionEnv(
  o: Resolved,
  oss: OssServer,
  mns: MnsServer,
  fcApi: string,
): Record<string, string | undefined> {
  const mail =
    o.alertMailTopic === undefined
      ? {}
      : {
          ALERT_MAIL_TOPIC: o.alertMailTopic,
          ALERT_MAIL_SENDER: o.env?.ALERT_MAIL_SENDER ?? 'alerts@example.com',
        };
  return {
    ...o.env,
    ...mail,
    FUNCTION_ENDPOINT: fcApi,
    FAILURE_QUEUE: o.failureQueue,
    REGION: o.region,
    OSS_BUCKET: o.bucket,
    OSS_ENDPOINT: oss.url,
    OSS_INTERNAL: 'false',
    MNS_ENDPOINT: mns.url,
    ALERT_TOPIC: o.alertTopic,
    MYSQL_URL: o.mysqlUrl,
    // Deploy-only settings the s.yaml requires; nothing local reads them.
    // Ingest's role as docs/deploy.md names it (the other functions' roles have s.yaml defaults).
    FC_ROLE_ARN: `acs:ram::${o.accountId}:role/qlib-ingest`,
    VPC_ID: 'vpc-local',
    VSWITCH_ID: 'vsw-local',
    SECURITY_GROUP_ID: 'sg-local',
  };
}

/**
 * Create the alert topic (and the mail topic) and the failure queue, idempotent across restarts. Nothing is
 * subscribed: subscriptions are what the user asks for (`npm run alerts -- subscribe`, docs/deploy.md).
 */
async function createAlertResources(mns: MnsServer, o: Resolved): Promise<void> {
  const client = new MNS(o.accountId, { ...o.credentials, endpoint: mns.url });
  await client.createTopic(o.alertTopic);
  if (o.alertMailTopic !== undefined) await client.createTopic(o.alertMailTopic);
  await client.createQueue(o.failureQueue);
}
