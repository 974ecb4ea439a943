/**
 * `npm run demo`: the whole pipeline on this machine in a few seconds. The embedded cloud (OSS, MNS, and the
 * FC runtime running the bundled function from s.yaml) on MySQL (MYSQL_URL, or a private MariaDB), a generated
 * qlib directory pushed by the agent CLI, the rows queried back, then a broken batch (uploaded with ali-oss
 * directly: the agent would refuse it) quarantined with its reason.json and the alert a subscriber received, and
 * the monitor (its timer on a controlled clock) warning that the next trading day is late, then resolving it.
 * Then the HTTP API: the status page's URL and a token are printed (`--serve` keeps the stack up until Ctrl-C).
 * Every step is checked (scripts/demo/story-checks.ts): a story that does not hold exits 1 and says where.
 * DEMO_DATABASE names the database it recreates (default qlib_demo).
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropDatabase } from '../adapters/warehouse/database.js';
import { prepareDatabase } from '../adapters/warehouse/prepare.js';
import { createLogger } from '../core/logger.js';
import { ManualClock } from '../local/fc/clock.js';
import { type LocalStack, startLocalStack } from '../local/stack.js';
import { businessDays } from '../test/support/qlib-fixture.js';
import { runAlertsCli } from './alerts.js';
import { buildFunctions } from './build-functions.js';
import { DEMO_INBOX, shanghai } from './demo/late-day.js';
import { type DemoMysql, demoMysql, HOW_TO_GET_MYSQL } from './demo/mysql-server.js';
import { pullStep } from './demo/pull-step.js';
import { statusPageStep } from './demo/status-page.js';
import { DEMO_DAYS, DEMO_START, story } from './demo/story.js';
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
    // The monitor's timer runs on a controlled clock: the demo moves it to the evening of the day after the
    // generated calendar (step 6); everything else runs in real time.
    const nextDay = businessDays(DEMO_START, DEMO_DAYS + 1).at(-1) as string;
    const clock = new ManualClock(shanghai(nextDay, '17:55'));
    const stack = await startLocalStack({
      stateDir: join(dir, 'stack'),
      mysqlUrl: dbUrl,
      env: { LOG_LEVEL: 'info' },
      log: functionLog,
      clock,
    });
    say(
      `local cloud: OSS ${stack.oss.url} (bucket ${stack.bucket}), MNS ${stack.mns.url}, FC: ${stack.fc.functions().join(', ')}`,
    );
    try {
      await subscribeInbox(stack);
      await story(stack, pool, dir, { say, section, checks }, clock);
      const api = await statusPageStep(stack, pool, { say, section, checks });
      await pullStep(pool, dir, api, { say, section, checks });
      say('');
      say(`status page:  ${api.url}/`);
      say(`token:        ${api.token}   (scopes read:data read:status; paste it into the page once)`);
      say(`API:          curl -H 'Authorization: Bearer ${api.token}' '${api.url}/v1/datasets'`);
      section('done');
      say(
        'Everything above ran the code that deploys: s.yaml → dist/functions/{ingest,monitor,api} (esbuild bundles)',
      );
      say(
        'in FC instance processes, the agent CLI, ali-oss and @alicloud/mns over HTTP. docs/ingest.md, docs/monitor.md,',
      );
      say('docs/api.md and docs/pull.md explain each step.');
      if (!server.origin.startsWith('private'))
        say(`The database ${database} stays for a look (${redacted(dbUrl)}).`);
      if (process.argv.includes('--serve')) await serveUntilInterrupted();
      else
        say(
          'The local stack stops with the demo: `npm run demo -- --serve` keeps the status page up (Ctrl-C ends it).',
        );
    } finally {
      await stack.close();
      await pool.end();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Nothing is subscribed by the stack: the demo subscribes its inbox queue as a user would. */
async function subscribeInbox(stack: LocalStack): Promise<void> {
  say(`$ npm run alerts -- subscribe --queue ${DEMO_INBOX}`);
  const env = {
    ALIBABA_CLOUD_ACCESS_KEY_ID: stack.credentials.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: stack.credentials.accessKeySecret,
    ACCOUNT_ID: stack.accountId,
    REGION: stack.region,
    MNS_ENDPOINT: stack.mns.url,
    ALERT_TOPIC: stack.alertTopic,
  };
  const code = await runAlertsCli(['subscribe', '--queue', DEMO_INBOX], env, {
    out: (l) => say(`  ${l}`),
    err: (l) => say(`  ${l}`),
  });
  if (code !== 0) throw new Error(`npm run alerts -- subscribe exited with ${code}`);
}

/** `--serve`: keep the stack (and the status page) up until Ctrl-C. */
function serveUntilInterrupted(): Promise<void> {
  say('Serving the status page until Ctrl-C…');
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
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
