import {
  boolean,
  type Env,
  envKeysOf,
  integer,
  oneOf,
  readConfig,
  type Specs,
  text,
  timeZone,
  url,
} from './config-reader.js';
import { ConfigError, type Problem } from './errors.js';

/** Everything the Function Compute handlers read from their environment (s.yaml declares the same keys). */
export interface FunctionConfig {
  ossBucket: string;
  ossRegion: string;
  ossEndpoint: string | undefined;
  ossInternal: boolean;
  mysqlUrl: string;
  /** KMS secret holding the password of MYSQL_URL's user (read at cold start); undefined: the URL has it. */
  mysqlPasswordSecret: string | undefined;
  /** KMS endpoint override (host or URL); undefined: kms.<region>.aliyuncs.com. */
  kmsEndpoint: string | undefined;
  loadMode: 'auto' | 'load-data' | 'insert';
  mnsEndpoint: string | undefined;
  alertTopic: string;
  unknownDataset: 'register' | 'reject';
  schemaContract: 'evolve' | 'freeze';
  leaseSeconds: number;
  /** Distinct instruments one batch may hold (INSTRUMENT_LIMIT_EXCEEDED). */
  maxInstruments: number;
  /** Uncompressed ÷ compressed payload bytes a batch may reach (PAYLOAD_INFLATED_TOO_LARGE). */
  maxInflateRatio: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  // The monitor and alerts (docs/monitor.md).
  alertMailTopic: string | undefined;
  alertMailSender: string | undefined;
  alertMailSubject: string;
  failureQueue: string;
  ingestFunction: string;
  fcEndpoint: string | undefined;
  monitorIntervalMinutes: number;
  redriveAfterMinutes: number;
  redriveMaxAttempts: number;
  redriveLimit: number;
  relayDingtalkUrl: string | undefined;
  relayDingtalkSecret: string | undefined;
  relayWecomUrl: string | undefined;
  relayFeishuUrl: string | undefined;
  relayFeishuSecret: string | undefined;
  relayToken: string | undefined;
  // The HTTP API (functions/api, docs/api.md).
  apiPageBytes: number;
  apiMaxInstruments: number;
  apiMaxScanRows: number;
  apiTimezone: string;
  /** The API's own MySQL account (least privilege, docs/deploy.md); undefined: MYSQL_URL. */
  apiMysqlUrl: string | undefined;
  /** KMS secret with the password of API_MYSQL_URL's user; only with API_MYSQL_URL. */
  apiMysqlPasswordSecret: string | undefined;
}

const SPECS: Specs<FunctionConfig> = {
  ossBucket: { env: 'OSS_BUCKET', ...text('the bucket the agent uploads batches to') },
  ossRegion: { env: 'OSS_REGION', ...text('region id without the oss- prefix, e.g. cn-hangzhou') },
  ossEndpoint: { env: 'OSS_ENDPOINT', ...url('OSS endpoint override (local stack)', ['http:', 'https:']) },
  ossInternal: { env: 'OSS_INTERNAL', ...boolean('use the VPC-internal OSS endpoint', true) },
  mysqlUrl: { env: 'MYSQL_URL', ...text('mysql://user:password@host:3306/database of the RDS instance') },
  // Secrets (docs/deploy.md, "The database password in KMS"): the password stays out of the environment.
  mysqlPasswordSecret: {
    env: 'MYSQL_PASSWORD_SECRET',
    ...text('KMS Secrets Manager secret with the password of MYSQL_URL’s user', false),
  },
  kmsEndpoint: {
    env: 'KMS_ENDPOINT',
    ...text('KMS endpoint override, e.g. kms-vpc.cn-hangzhou.aliyuncs.com', false),
  },
  loadMode: {
    env: 'LOAD_MODE',
    ...oneOf('how rows reach MySQL', ['auto', 'load-data', 'insert'] as const, 'auto'),
  },
  mnsEndpoint: {
    env: 'MNS_ENDPOINT',
    ...url('MNS endpoint, e.g. https://<uid>.mns.cn-hangzhou.aliyuncs.com', ['http:', 'https:']),
  },
  alertTopic: { env: 'ALERT_TOPIC', ...text('MNS topic that alerts are published to') },
  unknownDataset: {
    env: 'UNKNOWN_DATASET',
    ...oneOf('what to do with a dataset not in the registry', ['register', 'reject'] as const, 'register'),
  },
  schemaContract: {
    env: 'SCHEMA_CONTRACT',
    ...oneOf(
      'contract of newly registered datasets: new columns evolve the table or are rejected',
      ['evolve', 'freeze'] as const,
      'evolve',
    ),
  },
  leaseSeconds: {
    env: 'LEASE_SECONDS',
    ...integer('how long a claim on a batch lasts without a heartbeat', 5, 3600, 120),
  },
  maxInstruments: {
    env: 'MAX_INSTRUMENTS',
    ...integer('distinct instrument codes one batch may hold', 1000, 10_000_000, 200_000),
  },
  maxInflateRatio: {
    env: 'MAX_INFLATE_RATIO',
    ...integer('uncompressed bytes per compressed payload byte a batch may reach', 10, 100_000, 500),
  },
  logLevel: {
    env: 'LOG_LEVEL',
    ...oneOf('lowest level logged', ['debug', 'info', 'warn', 'error'] as const, 'info'),
  },
  // The monitor and alerts (docs/monitor.md).
  alertMailTopic: {
    env: 'ALERT_MAIL_TOPIC',
    ...text('MNS topic for email (DirectMail subscriptions); empty: no email', false),
  },
  alertMailSender: {
    env: 'ALERT_MAIL_SENDER',
    ...text('DirectMail sender address (AccountName); required with ALERT_MAIL_TOPIC', false),
  },
  alertMailSubject: {
    env: 'ALERT_MAIL_SUBJECT',
    ...text('prefix of every alert email subject', false, '[qlib-sync]'),
  },
  failureQueue: {
    env: 'FAILURE_QUEUE',
    ...text(
      "MNS queue FC's onFailure records go to; the monitor drains it into incidents",
      false,
      'qlib-failures',
    ),
  },
  ingestFunction: {
    env: 'INGEST_FUNCTION',
    ...text('the ingest function the monitor re-drives batches through', false, 'qlib-ingest'),
  },
  fcEndpoint: {
    env: 'FUNCTION_ENDPOINT',
    ...url('FC 3.0 API endpoint override; default https://<account>.<region>.fc.aliyuncs.com', [
      'http:',
      'https:',
    ]),
  },
  monitorIntervalMinutes: {
    env: 'MONITOR_INTERVAL_MINUTES',
    ...integer(
      "the monitor timer's interval (s.yaml); two of them without a completed run is reported",
      1,
      1440,
      10,
    ),
  },
  redriveAfterMinutes: {
    env: 'REDRIVE_AFTER_MINUTES',
    ...integer(
      'how long a batch may sit stuck or its manifest unclaimed before the monitor re-drives it',
      0,
      1440,
      10,
    ),
  },
  redriveMaxAttempts: {
    env: 'REDRIVE_MAX_ATTEMPTS',
    ...integer('re-drives of one batch before the monitor gives up and alerts', 1, 20, 3),
  },
  redriveLimit: {
    env: 'REDRIVE_LIMIT',
    ...integer('re-drives per monitor run', 1, 200, 10),
  },
  relayDingtalkUrl: {
    env: 'RELAY_DINGTALK_URL',
    ...url('alert relay: DingTalk robot webhook (https://oapi.dingtalk.com/robot/send?access_token=…)', [
      'https:',
      'http:',
    ]),
  },
  relayDingtalkSecret: {
    env: 'RELAY_DINGTALK_SECRET',
    ...text("alert relay: the DingTalk robot's signing secret (SEC…), when it has one", false),
  },
  relayWecomUrl: {
    env: 'RELAY_WECOM_URL',
    ...url('alert relay: WeCom group robot webhook (…/cgi-bin/webhook/send?key=…)', ['https:', 'http:']),
  },
  relayFeishuUrl: {
    env: 'RELAY_FEISHU_URL',
    ...url('alert relay: Feishu custom bot webhook (…/open-apis/bot/v2/hook/…)', ['https:', 'http:']),
  },
  relayFeishuSecret: {
    env: 'RELAY_FEISHU_SECRET',
    ...text("alert relay: the Feishu bot's signature secret, when it has one", false),
  },
  relayToken: {
    env: 'RELAY_TOKEN',
    ...text(
      'alert relay: the token its subscription URL carries (?token=…), so only MNS pushes are relayed',
      false,
    ),
  },
  // The HTTP API (functions/api, docs/api.md). FC's synchronous response limit is 32 MB: a page stays well under.
  apiPageBytes: {
    env: 'API_PAGE_BYTES',
    ...integer('most bytes of rows in one values page', 16_384, 25_165_824, 8_388_608),
  },
  apiMaxInstruments: {
    env: 'API_MAX_INSTRUMENTS',
    ...integer('most instruments one values request may list (instruments=)', 1, 10_000, 1000),
  },
  apiMaxScanRows: {
    env: 'API_MAX_SCAN_ROWS',
    ...integer(
      'a values read whose plan would examine more rows is refused with a hint',
      100,
      1_000_000_000,
      5_000_000,
    ),
  },
  apiTimezone: {
    env: 'API_TIMEZONE',
    ...timeZone('zone of "today" on the status page (trading days)', 'Asia/Shanghai'),
  },
  apiMysqlUrl: {
    env: 'API_MYSQL_URL',
    ...url("the API's own mysql:// account (reads, tokens, admin changes); default MYSQL_URL", ['mysql:']),
  },
  apiMysqlPasswordSecret: {
    env: 'API_MYSQL_PASSWORD_SECRET',
    ...text('KMS Secrets Manager secret with the password of API_MYSQL_URL’s user', false),
  },
};

/** Read the function configuration; a ConfigError lists every missing or invalid key. Pure over `env`. */
export function parseFunctionConfig(env: Env): FunctionConfig {
  const config = readConfig(env, SPECS);
  const problems: Problem[] = [];
  if (config.mysqlPasswordSecret !== undefined && passwordOf(config.mysqlUrl) !== '') {
    problems.push({
      code: 'CONFIG_INVALID',
      path: 'MYSQL_URL',
      message:
        'carries a password while MYSQL_PASSWORD_SECRET names a KMS secret: keep the password in KMS only',
    });
  }
  if (config.apiMysqlPasswordSecret !== undefined) {
    const url = config.apiMysqlUrl;
    if (url === undefined || passwordOf(url) !== '')
      problems.push({
        code: 'CONFIG_INVALID',
        path: 'API_MYSQL_PASSWORD_SECRET',
        message:
          url === undefined
            ? 'names the password of API_MYSQL_URL’s user, but API_MYSQL_URL is not set'
            : 'is set while API_MYSQL_URL carries a password: keep the password in KMS only',
      });
  }
  if (config.alertMailTopic !== undefined && config.alertMailSender === undefined) {
    problems.push({
      code: 'CONFIG_MISSING',
      path: 'ALERT_MAIL_SENDER',
      message: 'is required when ALERT_MAIL_TOPIC is set',
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function passwordOf(url: string): string {
  try {
    return new URL(url).password;
  } catch {
    return '';
  }
}

/** The environment variable names the functions read: s.yaml must declare exactly these. */
export const FUNCTION_ENV_KEYS: readonly string[] = envKeysOf(SPECS);
