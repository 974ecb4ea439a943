import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import mysql, { type RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenStore } from '../../adapters/warehouse/api-tokens.js';
import type { OssAuthorization } from '../../local/oss/server.js';
import { parseRamPolicy } from '../../local/ram/policy.js';
import { LOCAL_DEFAULTS, type LocalStack, startLocalStack } from '../../local/stack.js';
import { DEFAULT_NAMES, IDENTITIES } from '../../scripts/deploy/access.js';
import { renderPolicy } from '../../scripts/deploy/policies.js';
import { floatColumns, makeBatch } from '../ingest/batch-builder.js';
import { ossClient } from '../ingest/harness.js';
import { createTestDatabase, runSqlScript, serverUrl, type TestDatabase } from '../support/mysql.js';

/**
 * The HTTP api as deployed: its own role's STS credentials (fc-api-role.json enforced by the local KMS server) read
 * its account's password from KMS at cold start (API_MYSQL_PASSWORD_SECRET), and it connects as the account of
 * deploy/sql/api-account.sql. Every route that writes works with exactly those GRANTs; nothing else is writable.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const API_STS = {
  accessKeyId: 'STS.api-role',
  accessKeySecret: 'api-role-secret',
  securityToken: 'api-token',
};
const ACCOUNT = `qlib_api_${randomBytes(3).toString('hex')}`;
const PASSWORD = 'api-pw';

let db: TestDatabase;
let stack: LocalStack;
let dir: string;
let base: string;
const decisions: OssAuthorization[] = [];

function urlFor(user: string, password: string): string {
  const url = new URL(serverUrl());
  url.username = user;
  url.password = password;
  url.pathname = `/${db.database}`;
  return url.toString();
}

beforeAll(async () => {
  db = await createTestDatabase('api_account');
  const text = (await readFile(join(ROOT, 'deploy/sql/api-account.sql'), 'utf8'))
    .replaceAll('qlib_api', ACCOUNT)
    .replaceAll('{database}', db.database)
    .replaceAll('{password}', PASSWORD);
  await runSqlScript(text);
  dir = await mkdtemp(join(tmpdir(), 'api-account-'));
  const identity = IDENTITIES.find((i) => i.file === 'fc-api-role');
  if (identity === undefined) throw new Error('no fc-api-role');
  const values = {
    ...DEFAULT_NAMES,
    account: LOCAL_DEFAULTS.accountId,
    region: LOCAL_DEFAULTS.region,
    bucket: LOCAL_DEFAULTS.bucket,
  };
  stack = await startLocalStack({
    stateDir: join(dir, 'state'),
    mysqlUrl: db.url,
    roleCredentials: { [DEFAULT_NAMES.apiRole as string]: API_STS },
    policies: new Map([[API_STS.accessKeyId, [parseRamPolicy(renderPolicy(identity, values))]]]),
    onAuthorize: (d) => decisions.push(d),
    kmsSecrets: { [DEFAULT_NAMES.apiSecret as string]: PASSWORD },
    env: {
      API_MYSQL_URL: urlFor(ACCOUNT, ''),
      API_MYSQL_PASSWORD_SECRET: DEFAULT_NAMES.apiSecret as string,
      LOG_LEVEL: 'warn',
    },
    retryDelaysMs: [100],
    log: (line, fn) => {
      if (process.env.API_TEST_LOG === '1') process.stderr.write(`[${fn}] ${line}\n`);
    },
  });
  base = stack.fc.httpUrl('qlib-api') as string;
  const client = ossClient(stack.oss.url, stack.bucket, stack.credentials);
  const rows = [{ date: '2024-03-01', instrument: 'SH600000', values: [1.5] }];
  const batch = makeBatch({ dataset: 'acct_x', columns: floatColumns(1), rows });
  await client.put(batch.payloadKey, batch.payload);
  await client.put(batch.manifestKey, Buffer.from(batch.manifestText));
  await stack.fc.waitForInvocations((r) => r.fn === 'qlib-ingest' && r.status === 'succeeded', 1, 60_000);
}, 120_000);

afterAll(async () => {
  await stack?.close();
  const conn = await mysql.createConnection(serverUrl());
  await conn.query(`DROP USER IF EXISTS '${ACCOUNT}'@'%'`);
  await conn.end();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const call = (path: string, token: string, init: RequestInit = {}) =>
  fetch(`${base}${path}`, {
    ...init,
    headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` },
  });

describe('the api with its own role, KMS secret and MySQL account', () => {
  it('reads its password from KMS with its own role, and serves reads as its account', async () => {
    const reader = (await new TokenStore(db.pool).create('reader', ['read:data'], null)).token;
    const values = await call('/v1/datasets/acct_x/values?fields=f0', reader);
    expect(values.status, await values.clone().text()).toBe(200);
    expect(await values.text()).toContain('SH600000');
    expect(decisions).toContainEqual(
      expect.objectContaining({
        accessKeyId: API_STS.accessKeyId,
        allowed: true,
        request: expect.objectContaining({ action: 'kms:GetSecretValue' }),
      }),
    );
    // The token's use is recorded (UPDATE last_used_at): the API would only log a failure to.
    const [[used]] = await db.pool.query<RowDataPacket[]>(
      "SELECT last_used_at FROM api_tokens WHERE name = 'reader'",
    );
    expect(used).toBeDefined();
    expect(used?.last_used_at ?? null).not.toBeNull();
  });

  it('writes what admins change: a dataset’s settings, a market and an SLA, each with its admin_changes row', async () => {
    const admin = (await new TokenStore(db.pool).create('ops', ['admin'], null)).token;
    const patch = await call('/v1/datasets/acct_x', admin, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contract: 'freeze', note: 'final' }),
    });
    expect(patch.status, await patch.clone().text()).toBe(200);
    const put = await call('/v1/markets/acct_m', admin, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain' },
      body: 'SH600000\t2024-01-01\t2099-12-31\n',
    });
    expect(put.status, await put.clone().text()).toBe(200);
    const replaced = await call('/v1/markets/acct_m', admin, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain' },
      body: 'SH600001\t2024-01-01\t2099-12-31\n',
    });
    expect(replaced.status, await replaced.clone().text()).toBe(200);
    const sla = await call('/v1/datasets/acct_x/sla', admin, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ due: '16:30', warnAfter: '17:30', errorAfter: '19:00' }),
    });
    expect(sla.status, await sla.clone().text()).toBe(200);
    const changes = await db.pool.query<RowDataPacket[]>(
      'SELECT subject_kind, subject, setting FROM admin_changes ORDER BY id',
    );
    expect(changes[0]).toEqual([
      { subject_kind: 'dataset', subject: 'acct_x', setting: 'contract' },
      { subject_kind: 'market', subject: 'acct_m', setting: 'members' },
      { subject_kind: 'market', subject: 'acct_m', setting: 'members' },
      { subject_kind: 'dataset', subject: 'acct_x', setting: 'sla' },
    ]);
    const [members] = await db.pool.query<RowDataPacket[]>(
      "SELECT instrument FROM market_members WHERE market = 'acct_m'",
    );
    expect(members).toEqual([{ instrument: 'SH600001' }]);
  });

  it('may not write the ledger, the rows, tokens themselves, or any other column', async () => {
    const conn = await mysql.createConnection(urlFor(ACCOUNT, PASSWORD));
    try {
      const denied = { code: expect.stringMatching(/^ER_(TABLE|COLUMN)ACCESS_DENIED_ERROR$/) };
      await expect(conn.query("UPDATE batches SET status = 'loaded'")).rejects.toMatchObject(denied);
      await expect(conn.query('DELETE FROM f_acct_x')).rejects.toMatchObject(denied);
      await expect(conn.query('UPDATE api_tokens SET revoked_at = NULL')).rejects.toMatchObject(denied);
      await expect(conn.query('UPDATE api_tokens SET scopes = \'["admin"]\'')).rejects.toMatchObject(denied);
      await expect(
        conn.query("INSERT INTO api_tokens (token_id, name) VALUES ('x', 'x')"),
      ).rejects.toMatchObject(denied);
      await expect(conn.query("UPDATE datasets SET table_name = 'x'")).rejects.toMatchObject(denied);
      await expect(conn.query('DROP TABLE f_acct_x')).rejects.toMatchObject(denied);
    } finally {
      await conn.end();
    }
  });
});
