import { describe, expect, it } from 'vitest';
import { FUNCTION_ENV_KEYS, parseFunctionConfig } from '../../core/config.js';
import { ConfigError } from '../../core/errors.js';

const VALID = {
  OSS_BUCKET: 'qlib-data',
  OSS_REGION: 'cn-hangzhou',
  MYSQL_URL: 'mysql://loader:pw@rds.internal:3306/qlib',
  ALERT_TOPIC: 'qlib-alerts',
};

describe('function config', () => {
  it('reads required keys and fills defaults', () => {
    expect(parseFunctionConfig(VALID)).toEqual({
      ossBucket: 'qlib-data',
      ossRegion: 'cn-hangzhou',
      ossEndpoint: undefined,
      ossInternal: true,
      mysqlUrl: 'mysql://loader:pw@rds.internal:3306/qlib',
      loadMode: 'auto',
      mnsEndpoint: undefined,
      alertTopic: 'qlib-alerts',
      unknownDataset: 'register',
      schemaContract: 'evolve',
      leaseSeconds: 120,
      maxInstruments: 200_000,
      maxInflateRatio: 500,
      logLevel: 'info',
    });
  });

  it('parses every optional key', () => {
    const config = parseFunctionConfig({
      ...VALID,
      OSS_ENDPOINT: 'http://127.0.0.1:9000',
      OSS_INTERNAL: 'false',
      LOAD_MODE: 'insert',
      MNS_ENDPOINT: 'http://127.0.0.1:9100',
      UNKNOWN_DATASET: 'reject',
      SCHEMA_CONTRACT: 'freeze',
      LEASE_SECONDS: '30',
      MAX_INSTRUMENTS: '50000',
      MAX_INFLATE_RATIO: '2000',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      ossEndpoint: 'http://127.0.0.1:9000',
      ossInternal: false,
      loadMode: 'insert',
      mnsEndpoint: 'http://127.0.0.1:9100',
      unknownDataset: 'reject',
      schemaContract: 'freeze',
      leaseSeconds: 30,
      maxInstruments: 50_000,
      maxInflateRatio: 2000,
      logLevel: 'debug',
    });
  });

  it('reports every missing and invalid key at once', () => {
    let error: unknown;
    try {
      parseFunctionConfig({
        OSS_REGION: ' ',
        LEASE_SECONDS: '2',
        LOAD_MODE: 'fast',
        OSS_ENDPOINT: 'ftp://x',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.map((p) => `${p.code} ${p.path}`).sort();
    expect(problems).toEqual(
      [
        'CONFIG_INVALID LEASE_SECONDS',
        'CONFIG_INVALID LOAD_MODE',
        'CONFIG_INVALID OSS_ENDPOINT',
        'CONFIG_MISSING ALERT_TOPIC',
        'CONFIG_MISSING MYSQL_URL',
        'CONFIG_MISSING OSS_BUCKET',
        'CONFIG_MISSING OSS_REGION',
      ].sort(),
    );
    expect((error as ConfigError).message).toContain('LOAD_MODE: must be one of auto, load-data, insert');
  });

  it('names every key it reads', () => {
    expect([...FUNCTION_ENV_KEYS].sort()).toEqual(
      [
        'ALERT_TOPIC',
        'LEASE_SECONDS',
        'LOAD_MODE',
        'LOG_LEVEL',
        'MAX_INFLATE_RATIO',
        'MAX_INSTRUMENTS',
        'MNS_ENDPOINT',
        'MYSQL_URL',
        'OSS_BUCKET',
        'OSS_ENDPOINT',
        'OSS_INTERNAL',
        'OSS_REGION',
        'SCHEMA_CONTRACT',
        'UNKNOWN_DATASET',
      ].sort(),
    );
  });
});
