import {
  boolean,
  type Env,
  envKeysOf,
  integer,
  oneOf,
  readConfig,
  type Specs,
  text,
  url,
} from './config-reader.js';

/** Everything the Function Compute handlers read from their environment (s.yaml declares the same keys). */
export interface FunctionConfig {
  ossBucket: string;
  ossRegion: string;
  ossEndpoint: string | undefined;
  ossInternal: boolean;
  mysqlUrl: string;
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
}

const SPECS: Specs<FunctionConfig> = {
  ossBucket: { env: 'OSS_BUCKET', ...text('the bucket the agent uploads batches to') },
  ossRegion: { env: 'OSS_REGION', ...text('region id without the oss- prefix, e.g. cn-hangzhou') },
  ossEndpoint: { env: 'OSS_ENDPOINT', ...url('OSS endpoint override (local stack)', ['http:', 'https:']) },
  ossInternal: { env: 'OSS_INTERNAL', ...boolean('use the VPC-internal OSS endpoint', true) },
  mysqlUrl: { env: 'MYSQL_URL', ...text('mysql://user:password@host:3306/database of the RDS instance') },
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
};

/** Read the function configuration; a ConfigError lists every missing or invalid key. Pure over `env`. */
export function parseFunctionConfig(env: Env): FunctionConfig {
  return readConfig(env, SPECS);
}

/** The environment variable names the functions read: s.yaml must declare exactly these. */
export const FUNCTION_ENV_KEYS: readonly string[] = envKeysOf(SPECS);
