import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OSS from 'ali-oss';
import mysql, { type RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OssAuthorization } from '../../local/oss/server.js';
import { allowingStatements, parseRamPolicy, type RamPolicy } from '../../local/ram/policy.js';
import { LOCAL_DEFAULTS, type LocalStack, startLocalStack } from '../../local/stack.js';
import { DEFAULT_NAMES, IDENTITIES } from '../../scripts/deploy/access.js';
import { renderPolicy } from '../../scripts/deploy/policies.js';
import { runCliCaptured } from '../agent/agent-harness.js';
import { floatColumns, makeBatch } from '../ingest/batch-builder.js';
import { researchServerModel } from '../support/mlflow-model.js';
import { writeMlruns } from '../support/mlruns-fixture.js';
import { createTestDatabase, runSqlScript, serverUrl, type TestDatabase } from '../support/mysql.js';
import { generateQlibDir } from '../support/qlib-fixture.js';

/**
 * The pipeline on the local stack with the deploy/ policies enforced: the agent signs with a RAM user's key bound
 * to deploy/ram/agent-user.json, ingest and the monitor each with their own role's STS credentials (the local FC
 * runtime hands a function the credentials of the role s.yaml names) bound to fc-ingest-role.json and
 * fc-monitor-role.json (the local OSS and KMS servers authorize every request as RAM would), and both connect to
 * MySQL as the loader account of deploy/sql/loader-account.sql. Everything must work, and every OSS and KMS grant
 * must have been needed.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const AGENT_KEY = { accessKeyId: 'LTAI5tAgentRamUser', accessKeySecret: 'agent-ram-user-secret' };
const ROLE_STS = {
  accessKeyId: 'STS.ingest-role',
  accessKeySecret: 'ingest-role-secret',
  securityToken: 'role-token',
};
const MONITOR_STS = {
  accessKeyId: 'STS.monitor-role',
  accessKeySecret: 'monitor-role-secret',
  securityToken: 'monitor-token',
};
/** The bucket owner's key: no policy binds it (what the functions without a role entry get, api and relay). */
const OWNER_KEY = { accessKeyId: 'LTAI5tBucketOwner', accessKeySecret: 'bucket-owner-secret' };
const suffix = randomBytes(3).toString('hex');
const LOADER = `qlib_loader_${suffix}`;
const READER = `qlib_reader_${suffix}`;

const policyOf = (file: string, values: Record<string, string>): RamPolicy => {
  const identity = IDENTITIES.find((i) => i.file === file);
  if (identity === undefined) throw new Error(`no identity ${file}`);
  return parseRamPolicy(renderPolicy(identity, values), file);
};

/** Run one of deploy/sql/*.sql with its placeholders (and account name) filled in. */
async function runAccountSql(
  file: string,
  account: string,
  database: string,
  password: string,
): Promise<void> {
  const text = (await readFile(join(ROOT, 'deploy/sql', file), 'utf8'))
    .replace(/qlib_(loader|reader)/g, account)
    .replaceAll('{database}', database)
    .replaceAll('{password}', password);
  await runSqlScript(text);
}

function urlFor(user: string, password: string, database: string): string {
  const url = new URL(serverUrl());
  url.username = user;
  url.password = password;
  url.pathname = `/${database}`;
  return url.toString();
}

let db: TestDatabase;
let stack: LocalStack;
let dir: string;
const decisions: OssAuthorization[] = [];
let policies: { agent: RamPolicy; ingest: RamPolicy; monitor: RamPolicy };
/** Decisions made before the agent is made to try what it must not. */
let pipelineDecisions = 0;

beforeAll(async () => {
  db = await createTestDatabase('least_privilege');
  await runAccountSql('loader-account.sql', LOADER, db.database, 'loader-pw');
  await runAccountSql('reader-account.sql', READER, db.database, 'reader-pw');
  dir = await mkdtemp(join(tmpdir(), 'least-privilege-'));
  const values = {
    ...DEFAULT_NAMES,
    account: LOCAL_DEFAULTS.accountId,
    region: LOCAL_DEFAULTS.region,
    bucket: LOCAL_DEFAULTS.bucket,
  };
  policies = {
    agent: policyOf('agent-user', values),
    ingest: policyOf('fc-ingest-role', values),
    monitor: policyOf('fc-monitor-role', values),
  };
  stack = await startLocalStack({
    stateDir: join(dir, 'state'),
    credentials: AGENT_KEY,
    functionCredentials: OWNER_KEY,
    // Each function its own role's credentials, by the role name s.yaml gives it.
    roleCredentials: {
      [DEFAULT_NAMES.functionRole as string]: ROLE_STS,
      [DEFAULT_NAMES.monitorRole as string]: MONITOR_STS,
    },
    policies: new Map([
      [AGENT_KEY.accessKeyId, [policies.agent]],
      [ROLE_STS.accessKeyId, [policies.ingest]],
      [MONITOR_STS.accessKeyId, [policies.monitor]],
    ]),
    onAuthorize: (d) => decisions.push(d),
    // The loader's password only in KMS: ingest reads it at cold start with its role's credentials.
    mysqlUrl: urlFor(LOADER, '', db.database),
    kmsSecrets: { [DEFAULT_NAMES.loaderSecret as string]: 'loader-pw' },
    // A manifest counts as lost as soon as the monitor sees it without a ledger row.
    env: { MYSQL_PASSWORD_SECRET: DEFAULT_NAMES.loaderSecret as string, REDRIVE_AFTER_MINUTES: '0' },
    retryDelaysMs: [50],
    log: (line, fn) => {
      if (process.env.INGEST_TEST_LOG === '1') process.stderr.write(`[${fn}] ${line}\n`);
    },
  });
  const config = {
    bucket: stack.bucket,
    region: stack.region,
    endpoint: stack.oss.url,
    journalDir: join(dir, 'journal'),
    multipartThreshold: 0,
    partSize: 100 * 1024,
  };
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  // The same bucket from a machine whose journal is empty (a new research server, a lost journal).
  await writeFile(
    join(dir, 'fresh-config.json'),
    JSON.stringify({ ...config, journalDir: join(dir, 'fresh-journal') }),
  );
});

afterAll(async () => {
  await stack?.close();
  const conn = await mysql.createConnection(serverUrl());
  await conn.query(`DROP USER IF EXISTS '${LOADER}'@'%', '${READER}'@'%'`);
  await conn.end();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const agentEnv = () => ({
  ALIBABA_CLOUD_ACCESS_KEY_ID: AGENT_KEY.accessKeyId,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: AGENT_KEY.accessKeySecret,
});
const agent = (...args: string[]) =>
  runCliCaptured(['--config', join(dir, 'config.json'), ...args], { env: agentEnv(), home: dir });
const freshAgent = (...args: string[]) =>
  runCliCaptured(['--config', join(dir, 'fresh-config.json'), ...args], { env: agentEnv(), home: dir });
/** The bucket owner's client (no policy): what no identity of deploy/ram does, such as losing an event. */
const ownerOss = () =>
  new OSS({
    ...OWNER_KEY,
    bucket: stack.bucket,
    region: 'oss-cn-hangzhou',
    endpoint: stack.oss.url,
    secure: false,
  });
const allowedFor = (key: string, action: string, resource: string) =>
  decisions.some(
    (d) =>
      d.accessKeyId === key &&
      d.allowed &&
      d.request.action === action &&
      d.request.resource.includes(resource),
  );
const agentOss = () =>
  new OSS({
    ...AGENT_KEY,
    bucket: stack.bucket,
    region: 'oss-cn-hangzhou',
    endpoint: stack.oss.url,
    secure: false,
  });

async function ledger(): Promise<RowDataPacket[]> {
  return (
    await db.pool.query<RowDataPacket[]>('SELECT batch_id, status, error_code FROM batches ORDER BY batch_id')
  )[0];
}

// One scenario: its steps build on each other, in this order even when the run shuffles.
describe.sequential('the deploy/ policies on the local stack (one scenario, in order)', {
  shuffle: false,
}, () => {
  it('lets the agent check, push and read back, and ingest load as the loader account', {
    timeout: 180_000,
  }, async () => {
    expect((await agent('doctor')).code).toBe(0);
    const fixture = generateQlibDir({
      root: join(dir, 'qlib'),
      days: 40,
      instruments: 300,
      fields: ['open', 'close', 'volume'],
      seed: 5,
    });
    const push = await agent('push', fixture.root, '--dataset', 'cn_daily', '--fields', 'open,close,volume');
    expect(push.code, push.stderr).toBe(0);
    await stack.fc.waitForInvocations((r) => r.fn === 'qlib-ingest' && r.status === 'succeeded', 1, 60_000);
    expect(await ledger()).toMatchObject([{ status: 'loaded' }]);
    const status = await agent('status', '--json');
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('"loaded"');
  });

  it('lets ingest quarantine a bad batch with its reason and status, and recognise a duplicate', {
    timeout: 120_000,
  }, async () => {
    const rows = [{ date: '2024-03-01', instrument: 'SH600000', values: [1.5] }];
    const good = makeBatch({ dataset: 'alpha_x', columns: floatColumns(1), rows });
    const bad = makeBatch({
      dataset: 'alpha_x',
      columns: floatColumns(1),
      rows,
      patch: (m) => {
        m.payload.sha256 = '0'.repeat(64);
      },
    });
    const twin = makeBatch({ dataset: 'alpha_x', columns: floatColumns(1), rows });
    const client = agentOss();
    for (const b of [good, bad, twin]) {
      await client.put(b.payloadKey, b.payload);
      await client.put(b.manifestKey, Buffer.from(b.manifestText));
      await stack.fc.waitForInvocations(
        (r) => r.fn === 'qlib-ingest' && r.status === 'succeeded',
        2 + [good, bad, twin].indexOf(b),
        60_000,
      );
    }
    const byId = new Map((await ledger()).map((r) => [r.batch_id as string, r]));
    expect(byId.get(good.batchId)).toMatchObject({ status: 'loaded' });
    expect(byId.get(bad.batchId)).toMatchObject({
      status: 'rejected',
      error_code: 'PAYLOAD_SHA256_MISMATCH',
    });
    expect(byId.get(twin.batchId)).toMatchObject({ status: 'duplicate' });
  });

  it('lets a new machine (no journal) push --since-last: it lists loaded/ and reads the manifests there', {
    timeout: 120_000,
  }, async () => {
    const push = await freshAgent(
      'push',
      join(dir, 'qlib'),
      '--dataset',
      'cn_daily',
      '--fields',
      'open,close,volume',
      '--since-last',
      '--verbose',
    );
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toContain('the journal has no batch of factors/cn_daily');
    expect(allowedFor(AGENT_KEY.accessKeyId, 'oss:ListObjects', '')).toBe(true);
    expect(allowedFor(AGENT_KEY.accessKeyId, 'oss:GetObject', '/loaded/factors/cn_daily/')).toBe(true);
  });

  it('lets the agent push runs with their artifacts (multipart) under artifacts/', {
    timeout: 120_000,
  }, async () => {
    const mlruns = join(dir, 'mlruns');
    writeMlruns(mlruns, researchServerModel());
    const push = await agent(
      'push-runs',
      '--mlruns',
      mlruns,
      '--dataset',
      'lp_runs',
      '--artifacts',
      'all',
      '--json',
    );
    expect(push.code, push.stderr).toBe(0);
    expect(JSON.parse(push.stdout).artifacts.uploaded).toBeGreaterThan(0);
    expect(allowedFor(AGENT_KEY.accessKeyId, 'oss:PutObject', '/artifacts/')).toBe(true);
  });

  it('lets the monitor, with its own role, find a manifest whose OSS event was lost and re-drive it', {
    timeout: 120_000,
  }, async () => {
    const rows = [{ date: '2024-03-04', instrument: 'SH600000', values: [2.5] }];
    const lost = makeBatch({ dataset: 'alpha_lost', columns: floatColumns(1), rows });
    // The manifest arrives by CopyObject, an event the trigger does not subscribe to: its event is lost.
    const owner = ownerOss();
    await owner.put(lost.payloadKey, lost.payload);
    await owner.put(`staging/${lost.batchId}.json`, Buffer.from(lost.manifestText));
    await owner.copy(lost.manifestKey, `staging/${lost.batchId}.json`);
    await owner.delete(`staging/${lost.batchId}.json`);
    const run = await stack.fc.invoke('qlib-monitor', '{}');
    expect(run.ok, JSON.stringify(run.error)).toBe(true);
    await stack.fc.waitForInvocations(
      (r) => r.fn === 'qlib-ingest' && r.trigger === 'api' && r.status === 'succeeded',
      1,
      60_000,
    );
    expect((await ledger()).find((r) => r.batch_id === lost.batchId)).toMatchObject({ status: 'loaded' });
    // It listed and read with its own credentials, never with ingest's.
    expect(allowedFor(MONITOR_STS.accessKeyId, 'oss:ListObjects', '')).toBe(true);
    expect(allowedFor(MONITOR_STS.accessKeyId, 'oss:GetObject', lost.manifestKey)).toBe(true);
    expect(allowedFor(ROLE_STS.accessKeyId, 'oss:ListObjects', '')).toBe(true);
  });

  it('refuses the agent what it must not do: forge a status, read loaded data, list elsewhere', async () => {
    pipelineDecisions = decisions.length;
    const client = agentOss();
    await expect(client.put('status/factors/cn_daily/forged.json', Buffer.from('{}'))).rejects.toMatchObject({
      code: 'AccessDenied',
    });
    await expect(client.list({ prefix: 'quarantine/', 'max-keys': 10 }, {})).rejects.toMatchObject({
      code: 'AccessDenied',
    });
    const [loaded] = (
      await db.pool.query<RowDataPacket[]>(
        "SELECT batch_id FROM batches WHERE status = 'loaded' AND dataset = 'cn_daily' LIMIT 1",
      )
    )[0];
    // The manifests under loaded/ (push --since-last reads them), never the data.
    const manifest = `loaded/factors/cn_daily/${loaded?.batch_id}/manifest.json`;
    expect((await client.head(manifest)).status).toBe(200);
    const payload = `loaded/factors/cn_daily/${loaded?.batch_id}/data.csv.gz`;
    await expect(client.get(payload)).rejects.toMatchObject({ code: 'AccessDenied' });
    await expect(
      client.put('loaded/factors/cn_daily/x/manifest.json', Buffer.from('{}')),
    ).rejects.toMatchObject({
      code: 'AccessDenied',
    });
  });

  it('refuses the monitor what it must not do: read a payload, write anything, list loaded/', async () => {
    const monitor = new OSS({
      ...MONITOR_STS,
      stsToken: MONITOR_STS.securityToken,
      bucket: stack.bucket,
      region: 'oss-cn-hangzhou',
      endpoint: stack.oss.url,
      secure: false,
    });
    const [loaded] = (
      await db.pool.query<RowDataPacket[]>(
        "SELECT batch_id FROM batches WHERE status = 'loaded' AND dataset = 'cn_daily' LIMIT 1",
      )
    )[0];
    await expect(
      monitor.get(`loaded/factors/cn_daily/${loaded?.batch_id}/data.csv.gz`),
    ).rejects.toMatchObject({
      code: 'AccessDenied',
    });
    await expect(monitor.put('incoming/factors/x/y/manifest.json', Buffer.from('{}'))).rejects.toMatchObject({
      code: 'AccessDenied',
    });
    await expect(monitor.list({ prefix: 'loaded/', 'max-keys': 10 }, {})).rejects.toMatchObject({
      code: 'AccessDenied',
    });
  });

  it('needed every OSS and KMS grant of the agent and of ingest, and was refused nothing else', () => {
    const refused = decisions.filter(
      (d, i) => !d.allowed && (i < pipelineDecisions || d.accessKeyId === ROLE_STS.accessKeyId),
    );
    expect(refused).toEqual([]);
    expect(pipelineDecisions).toBeGreaterThan(0);
    for (const [key, policy] of [
      [AGENT_KEY.accessKeyId, policies.agent],
      [ROLE_STS.accessKeyId, policies.ingest],
      [MONITOR_STS.accessKeyId, policies.monitor],
    ] as const) {
      const used = new Set(
        decisions
          .filter((d) => d.accessKeyId === key && d.allowed)
          .flatMap((d) => allowingStatements(policy, d.request)),
      );
      policy.Statement.forEach((s, i) => {
        const enforced = [s.Action].flat().every((a) => a.startsWith('oss:') || a.startsWith('kms:'));
        if (enforced) expect(used.has(i), `${key}: ${JSON.stringify(s)} was never needed`).toBe(true);
      });
    }
  });

  it('gives the loader no DROP and the reader nothing but SELECT', async () => {
    const loader = await mysql.createConnection(urlFor(LOADER, 'loader-pw', db.database));
    await expect(loader.query('DROP TABLE f_cn_daily')).rejects.toMatchObject({
      code: 'ER_TABLEACCESS_DENIED_ERROR',
    });
    await loader.end();
    const reader = await mysql.createConnection(urlFor(READER, 'reader-pw', db.database));
    const [rows] = await reader.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM f_cn_daily');
    expect(Number(rows[0]?.n)).toBeGreaterThan(0);
    await expect(reader.query("DELETE FROM batches WHERE status = 'loaded'")).rejects.toMatchObject({
      code: 'ER_TABLEACCESS_DENIED_ERROR',
    });
    await reader.end();
  });
});
