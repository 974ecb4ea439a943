/**
 * `npm run demo`: the whole pipeline on this machine in a few seconds. The embedded cloud (OSS, MNS, and the
 * FC runtime running the bundled function from s.yaml) on MySQL (MYSQL_URL, or a private MariaDB), a generated
 * qlib directory pushed by the agent CLI, the rows queried back, then a broken batch (uploaded with ali-oss
 * directly: the agent would refuse it) quarantined with its reason.json and the alert a subscriber received.
 * Every step is checked (scripts/demo/story-checks.ts): a story that does not hold exits 1 and says where.
 * DEMO_DATABASE names the database it recreates (default qlib_demo).
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropDatabase } from '../adapters/warehouse/database.js';
import { prepareDatabase } from '../adapters/warehouse/prepare.js';
import { createLogger } from '../core/logger.js';
import { startLocalStack } from '../local/stack.js';
import { buildFunctions } from './build-functions.js';
import { type DemoMysql, demoMysql, HOW_TO_GET_MYSQL } from './demo/mysql-server.js';
import { story } from './demo/story.js';
import { StoryChecks } from './demo/story-checks.js';

const say = (line = '') => process.stdout.write(`${line}\n`);
const section = (title: string) => say(`\n── ${title} ${'─'.repeat(Math.max(0, 70 - title.length))}`);

async function main(): Promise<void> {
  const database = process.env.DEMO_DATABASE ?? 'qlib_demo';
  if (!/^[A-Za-z0-9_]{1,64}$/.test(database)) {
    say(`DEMO_DATABASE must be a database name ([A-Za-z0-9_], at most 64), not ${JSON.stringify(database)}`);
    process.exitCode = 2;
    return;
  }
  section('setup');
  const built = await buildFunctions();
  say(`function bundles: ${built.map((f) => `${f.name} (${Math.round(f.bytes / 1024)} KiB)`).join(', ')}`);
  const server = await demoMysql(say);
  if (server === undefined) {
    say(HOW_TO_GET_MYSQL);
    process.exitCode = 1;
    return;
  }
  const checks = new StoryChecks(say);
  try {
    await run(server, database, checks);
  } finally {
    await server.stop();
  }
  if (checks.failures.length > 0) {
    say(`\ndemo failed: ${checks.failures.length} of its claims did not hold:`);
    for (const failure of checks.failures) say(`  ✗ ${failure}`);
    process.exitCode = 1;
  } else say('\ndemo ok: every claim above held');
}

/** A fresh database on the server, the local stack on it, the story; everything torn down but the database. */
async function run(server: DemoMysql, database: string, checks: StoryChecks): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'qlib-demo-'));
  try {
    const url = new URL(server.url);
    url.pathname = `/${database}`;
    await dropDatabase(url.toString()).catch(() => undefined);
    const quiet = createLogger({ write: () => {}, now: () => new Date() });
    const migrations = join(import.meta.dirname, '..', 'migrations');
    const { url: dbUrl, pool } = await prepareDatabase(url.toString(), migrations, quiet);
    say(`MySQL: ${server.origin}, fresh database ${database} (migrated)`);
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
      await story(stack, pool, dir, { say, section, checks });
      if (!server.origin.startsWith('private'))
        say(`The database ${database} stays for a look (${redacted(dbUrl)}).`);
    } finally {
      await stack.close();
      await pool.end();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function redacted(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
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
