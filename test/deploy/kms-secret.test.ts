import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKmsSecretReader } from '../../adapters/secrets/kms.js';
import { TerminalError, TransientError } from '../../core/errors.js';
import { databaseUrl } from '../../functions/database-url.js';
import { type KmsServer, startKmsServer } from '../../local/kms/server.js';
import { parseRamPolicy } from '../../local/ram/policy.js';
import { quietLogger, serverUrl } from '../support/mysql.js';

/** The function role's STS credentials, as FC hands them over in context.credentials. */
const ROLE = {
  accessKeyId: 'STS.kms-test-role',
  accessKeySecret: 'role-secret',
  securityToken: 'role-token',
};
const OTHER = {
  accessKeyId: 'STS.other-role',
  accessKeySecret: 'other-secret',
  securityToken: 'other-token',
};
const PASSWORD = `p@ss:w/rd%!${randomBytes(3).toString('hex')}`;
const USER = `kms_user_${randomBytes(3).toString('hex')}`;
const REGION = 'cn-hangzhou';

let kms: KmsServer;
const context = { credentials: ROLE, region: REGION };

beforeAll(async () => {
  const onlyLoader = parseRamPolicy({
    Version: '1',
    Statement: [
      { Effect: 'Allow', Action: 'kms:GetSecretValue', Resource: `acs:kms:${REGION}:42:secret/qlib/*` },
    ],
  });
  kms = await startKmsServer({
    region: REGION,
    accountId: '42',
    credentials: [ROLE, OTHER],
    secrets: {
      'qlib/loader': `${PASSWORD}\n`,
      'qlib/rds-managed': JSON.stringify({ AccountName: USER, AccountPassword: PASSWORD }),
      'other/thing': 'x',
    },
    policies: new Map([[ROLE.accessKeyId, [onlyLoader]]]),
  });
  const root = await mysql.createConnection(serverUrl());
  await root.query(`CREATE USER '${USER}'@'%' IDENTIFIED BY ?`, [PASSWORD]);
  await root.end();
});

afterAll(async () => {
  await kms?.close();
  const root = await mysql.createConnection(serverUrl());
  await root.query(`DROP USER IF EXISTS '${USER}'@'%'`);
  await root.end();
});

const settings = (secret?: string) => {
  const url = new URL(serverUrl());
  url.username = secret === 'qlib/rds-managed' ? '' : USER;
  url.password = '';
  return { mysqlUrl: url.toString(), mysqlPasswordSecret: secret, kmsEndpoint: kms.url };
};

async function connects(url: string): Promise<boolean> {
  const conn = await mysql.createConnection(url);
  const [rows] = await conn.query('SELECT CURRENT_USER() AS me');
  await conn.end();
  return String((rows as { me: string }[])[0]?.me).startsWith(`${USER}@`);
}

describe('the database password from KMS Secrets Manager (real @alicloud/kms20160120 client, local KMS)', () => {
  it('reads a plain password with the role’s STS credentials and connects with it, special characters and all', async () => {
    const url = await databaseUrl(settings('qlib/loader'), context, quietLogger);
    expect(url).not.toContain(PASSWORD); // percent-encoded into the URL
    expect(await connects(url)).toBe(true);
  });

  it('reads an RDS-managed secret (AccountName, AccountPassword) and takes the user from it', async () => {
    const url = await databaseUrl(settings('qlib/rds-managed'), context, quietLogger);
    expect(await connects(url)).toBe(true);
  });

  it('leaves MYSQL_URL alone when no secret is configured (the local stack)', async () => {
    const plain = { ...settings(), mysqlUrl: 'mysql://root@127.0.0.1:3306/x' };
    const reader = { read: () => Promise.reject(new Error('must not be called')) };
    expect(await databaseUrl(plain, context, quietLogger, reader)).toBe('mysql://root@127.0.0.1:3306/x');
  });

  it('says what is wrong: a secret the role may not read, one that does not exist, a wrong key, no KMS', async () => {
    const read = (name: string, credentials = ROLE, endpoint = kms.url) =>
      createKmsSecretReader({ region: REGION, endpoint, credentials, timeoutMs: 2000 }).read(name);
    await expect(read('other/thing')).rejects.toMatchObject({
      code: 'KMS_DENIED',
      message: /Forbidden\.RAM/,
    });
    await expect(read('qlib/missing')).rejects.toMatchObject({ code: 'KMS_SECRET_NOT_FOUND' });
    const wrong = read('qlib/loader', { ...ROLE, accessKeySecret: 'wrong' });
    await expect(wrong).rejects.toBeInstanceOf(TerminalError);
    await expect(wrong).rejects.toMatchObject({ message: /SignatureDoesNotMatch/ });
    const noToken = read('qlib/loader', {
      accessKeyId: ROLE.accessKeyId,
      accessKeySecret: ROLE.accessKeySecret,
    } as typeof ROLE);
    await expect(noToken).rejects.toMatchObject({ message: /InvalidSecurityToken/ });
    const closed = await startKmsServer({
      region: REGION,
      accountId: '42',
      credentials: [ROLE],
      secrets: {},
    });
    await closed.close();
    await expect(read('qlib/loader', ROLE, closed.url)).rejects.toBeInstanceOf(TransientError);
  });
});
