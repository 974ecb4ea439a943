/**
 * `npm run demo`: the whole pipeline on this machine in a few seconds. The embedded cloud (OSS, MNS, and the
 * FC runtime running the bundled function from s.yaml) on MySQL (MYSQL_URL, or a private MariaDB), a generated
 * qlib directory pushed by the agent CLI, the rows queried back, then a broken batch (uploaded with ali-oss
 * directly: the agent would refuse it) quarantined with its reason.json and the alert a subscriber received.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MNS from '@alicloud/mns';
import type { Pool } from 'mysql2/promise';
import { createOssClient } from '../adapters/object-store/client.js';
import { dropDatabase } from '../adapters/warehouse/database.js';
import { prepareDatabase } from '../adapters/warehouse/prepare.js';
import { createLogger } from '../core/logger.js';
import { type LocalStack, startLocalStack } from '../local/stack.js';
import { generateQlibDir } from '../test/support/qlib-fixture.js';
import { buildFunctions } from './build-functions.js';
import { runAgent } from './demo/agent-cli.js';
import { uploadBrokenBatch } from './demo/broken-batch.js';
import { demoMysql, HOW_TO_GET_MYSQL } from './demo/mysql-server.js';
import { latestRows, showAlerts, showReason, showRows, waitSettled } from './demo/show.js';

const FIELDS = ['open', 'close', 'high', 'low', 'volume', 'factor'];
const say = (line = '') => process.stdout.write(`${line}\n`);
const section = (title: string) => say(`\n── ${title} ${'─'.repeat(Math.max(0, 70 - title.length))}`);

async function main(): Promise<void> {
  section('setup');
  const built = await buildFunctions();
  say(`function bundles: ${built.map((f) => `${f.name} (${Math.round(f.bytes / 1024)} KiB)`).join(', ')}`);
  const server = await demoMysql(say);
  if (server === undefined) {
    say(HOW_TO_GET_MYSQL);
    process.exitCode = 1;
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'qlib-demo-'));
  try {
    const url = new URL(server.url);
    url.pathname = '/qlib_demo';
    await dropDatabase(url.toString()).catch(() => undefined);
    const quiet = createLogger({ write: () => {}, now: () => new Date() });
    const migrations = join(import.meta.dirname, '..', 'migrations');
    const { url: dbUrl, pool } = await prepareDatabase(url.toString(), migrations, quiet);
    say(`MySQL: ${server.origin}, fresh database qlib_demo (migrated)`);
    const stack = await startLocalStack({
      stateDir: join(dir, 'stack'),
      mysqlUrl: dbUrl,
      env: { LOG_LEVEL: 'info' },
      log: functionLog,
    });
    say(
      `local cloud: OSS ${stack.oss.url} (bucket ${stack.bucket}), MNS ${stack.mns.url}, FC: ${stack.fc.functions().join(', ')}`,
    );
    try {
      await story(stack, pool, dir);
      if (!server.origin.startsWith('private'))
        say(`The database qlib_demo stays for a look (${redacted(dbUrl)}).`);
    } finally {
      await stack.close();
      await pool.end();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    await server.stop();
  }
}

async function story(stack: LocalStack, pool: Pool, dir: string): Promise<void> {
  section('1. a qlib provider directory (generated: test/support/qlib-fixture.ts)');
  const qlib = generateQlibDir({
    root: join(dir, 'qlib'),
    days: 20,
    instruments: 300,
    fields: FIELDS,
    realistic: true,
  });
  say(
    `${qlib.root}: ${qlib.calendar.length} trading days ${qlib.calendar[0]}..${qlib.calendar.at(-1)}, ${qlib.instruments.length} instruments, fields ${FIELDS.join(',')}`,
  );

  section('2. the agent pushes the calendar, then the daily fields (qlib-sync push)');
  const env = agentEnv(stack, dir);
  await runAgent(['push', qlib.root, '--from', 'calendar', '--dataset', 'cn'], env, say);
  say(`  ingest │ ${(await waitSettled(pool, { dataset: 'cn' })).summary}`);
  await runAgent(
    ['push', qlib.root, '--dataset', 'cn_daily', '--fields', FIELDS.join(','), '--market', qlib.market],
    env,
    say,
  );
  const loaded = await waitSettled(pool, { dataset: 'cn_daily' });
  say(`  ingest │ ${loaded.batch_id}: ${loaded.status} — ${loaded.summary}`);

  section('3. the rows in MySQL (f_cn_daily)');
  await showRows(pool, say);
  await runAgent(['status'], env, say);

  section('4. a broken batch: a hand-made export with one row pasted twice, uploaded with ali-oss directly');
  const client = createOssClient({
    bucket: stack.bucket,
    region: stack.region,
    endpoint: stack.oss.url,
    credentials: stack.credentials,
  });
  const last = await latestRows(pool, FIELDS, 5);
  const broken = await uploadBrokenBatch(
    client,
    'cn_daily',
    FIELDS.map((name) => ({ name, type: 'float32' as const })),
    last.date,
    last.rows,
  );
  say(`uploaded ${broken.batchId} (${last.date}, ${last.rows.length + 1} rows, ${broken.duplicated} twice)`);
  const rejected = await waitSettled(pool, { batchId: broken.batchId });
  say(`  ingest │ ${rejected.status}: ${rejected.summary}`);
  await showReason(client, `quarantine/factors/cn_daily/${broken.batchId}/reason.json`, say);
  await showRows(pool, say, `unchanged, still ${loaded.rows_loaded} rows from ${loaded.batch_id}`);
  const mns = new MNS(stack.accountId, { ...stack.credentials, endpoint: stack.mns.url });
  await showAlerts(mns, stack.alertQueue, say);

  section('done');
  say(
    'Everything above ran the code that deploys: s.yaml → dist/functions/ingest (esbuild bundle) in FC instance',
  );
  say('processes, the agent CLI, ali-oss and @alicloud/mns over HTTP. docs/ingest.md explains each step.');
}

function redacted(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/** The agent's configuration: the local endpoints and credentials, a journal of its own. */
function agentEnv(stack: LocalStack, dir: string): Record<string, string> {
  return {
    OSS_BUCKET: stack.bucket,
    OSS_REGION: stack.region,
    OSS_ENDPOINT: stack.oss.url,
    ALIBABA_CLOUD_ACCESS_KEY_ID: stack.credentials.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: stack.credentials.accessKeySecret,
    QLIB_SYNC_JOURNAL: join(dir, 'journal'),
    HOME: join(dir, 'home'),
  };
}

/** Function output: only errors reach the console (the outcomes are shown from the ledger). */
function functionLog(line: string, fn: string): void {
  if (/"level":"error"/.test(line)) process.stderr.write(`  [${fn}] ${line}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
