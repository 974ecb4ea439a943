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
      alertMailTopic: undefined,
      alertMailSender: undefined,
      alertMailSubject: '[qlib-sync]',
      failureQueue: 'qlib-failures',
      ingestFunction: 'qlib-ingest',
      fcEndpoint: undefined,
      monitorIntervalMinutes: 10,
      redriveAfterMinutes: 10,
      redriveMaxAttempts: 3,
      redriveLimit: 10,
      relayDingtalkUrl: undefined,
      relayDingtalkSecret: undefined,
      relayWecomUrl: undefined,
      relayFeishuUrl: undefined,
      relayFeishuSecret: undefined,
      relayToken: undefined,
      apiPageBytes: 8_388_608,
      apiMaxInstruments: 1000,
      apiMaxScanRows: 5_000_000,
      apiTimezone: 'Asia/Shanghai',
      apiMysqlUrl: undefined,
      apiMysqlPasswordSecret: undefined,
    });
  });

  it('needs a DirectMail sender when email alerts are on', () => {
    expect(() => parseFunctionConfig({ ...VALID, ALERT_MAIL_TOPIC: 'qlib-mail' })).toThrow(
      expect.objectContaining({ problems: [expect.objectContaining({ path: 'ALERT_MAIL_SENDER' })] }),
    );
    expect(
      parseFunctionConfig({ ...VALID, ALERT_MAIL_TOPIC: 'qlib-mail', ALERT_MAIL_SENDER: 'a@b.c' }),
    ).toMatchObject({
      alertMailTopic: 'qlib-mail',
      alertMailSender: 'a@b.c',
    });
  });

  it('reads the API settings and refuses a page over FC’s response limit or a zone Intl does not know', () => {
    expect(
      parseFunctionConfig({
        ...VALID,
        API_PAGE_BYTES: '1048576',
        API_MAX_INSTRUMENTS: '50',
        API_MAX_SCAN_ROWS: '1000',
        API_TIMEZONE: 'UTC',
      }),
    ).toMatchObject({
      apiPageBytes: 1_048_576,
      apiMaxInstruments: 50,
      apiMaxScanRows: 1000,
      apiTimezone: 'UTC',
    });
    expect(parseFunctionConfig({ ...VALID, API_MYSQL_URL: 'mysql://api:pw@rds:3306/qlib' }).apiMysqlUrl).toBe(
      'mysql://api:pw@rds:3306/qlib',
    );
    expect(
      parseFunctionConfig({
        ...VALID,
        API_MYSQL_URL: 'mysql://qlib_api@rds:3306/qlib',
        API_MYSQL_PASSWORD_SECRET: 'qlib/api',
      }).apiMysqlPasswordSecret,
    ).toBe('qlib/api');
    // The API's secret belongs to the API's account: without it, or beside a password in the URL, refused.
    expect(() => parseFunctionConfig({ ...VALID, API_MYSQL_PASSWORD_SECRET: 'qlib/api' })).toThrow(
      /API_MYSQL_PASSWORD_SECRET: names the password of API_MYSQL_URL’s user/,
    );
    expect(() =>
      parseFunctionConfig({
        ...VALID,
        API_MYSQL_URL: 'mysql://api:pw@rds:3306/qlib',
        API_MYSQL_PASSWORD_SECRET: 'qlib/api',
      }),
    ).toThrow(/keep the password in KMS only/);
    expect(() =>
      parseFunctionConfig({
        ...VALID,
        API_PAGE_BYTES: String(32 * 1024 * 1024),
        API_TIMEZONE: 'Mars/Olympus',
      }),
    ).toThrow(
      /API_PAGE_BYTES: must be an integer in \[16384, 25165824\][\s\S]*API_TIMEZONE: must be an IANA time zone/,
    );
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

  it('refuses a password in MYSQL_URL when the password is in KMS, and takes a URL without one', () => {
    const base = { OSS_BUCKET: 'b', OSS_REGION: 'cn-hangzhou', ALERT_TOPIC: 't' };
    const both = {
      ...base,
      MYSQL_URL: 'mysql://loader:pw@rm-x:3306/qlib',
      MYSQL_PASSWORD_SECRET: 'qlib/loader',
    };
    expect(() => parseFunctionConfig(both)).toThrow(
      /MYSQL_URL: carries a password while MYSQL_PASSWORD_SECRET/,
    );
    const kms = { ...base, MYSQL_URL: 'mysql://loader@rm-x:3306/qlib', MYSQL_PASSWORD_SECRET: 'qlib/loader' };
    expect(parseFunctionConfig(kms)).toMatchObject({
      mysqlPasswordSecret: 'qlib/loader',
      kmsEndpoint: undefined,
    });
  });

  it('names every key it reads', () => {
    expect([...FUNCTION_ENV_KEYS].sort()).toEqual(
      [
        'ALERT_TOPIC',
        'API_MAX_INSTRUMENTS',
        'API_MYSQL_URL',
        'API_MYSQL_PASSWORD_SECRET',
        'API_MAX_SCAN_ROWS',
        'API_PAGE_BYTES',
        'API_TIMEZONE',
        'LEASE_SECONDS',
        'LOAD_MODE',
        'LOG_LEVEL',
        'MAX_INFLATE_RATIO',
        'MAX_INSTRUMENTS',
        'MNS_ENDPOINT',
        'MYSQL_URL',
        'MYSQL_PASSWORD_SECRET',
        'KMS_ENDPOINT',
        'OSS_BUCKET',
        'OSS_ENDPOINT',
        'OSS_INTERNAL',
        'OSS_REGION',
        'SCHEMA_CONTRACT',
        'UNKNOWN_DATASET',
        'ALERT_MAIL_TOPIC',
        'ALERT_MAIL_SENDER',
        'ALERT_MAIL_SUBJECT',
        'FAILURE_QUEUE',
        'INGEST_FUNCTION',
        'FUNCTION_ENDPOINT',
        'MONITOR_INTERVAL_MINUTES',
        'REDRIVE_AFTER_MINUTES',
        'REDRIVE_MAX_ATTEMPTS',
        'REDRIVE_LIMIT',
        'RELAY_DINGTALK_URL',
        'RELAY_DINGTALK_SECRET',
        'RELAY_WECOM_URL',
        'RELAY_FEISHU_URL',
        'RELAY_FEISHU_SECRET',
        'RELAY_TOKEN',
      ].sort(),
    );
  });
});
