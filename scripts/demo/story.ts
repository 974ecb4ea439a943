import { join } from 'node:path';
import MNS from '@alicloud/mns';
import type { Pool } from 'mysql2/promise';
import { createOssClient } from '../../adapters/object-store/client.js';
import type { ManualClock } from '../../local/fc/clock.js';
import type { LocalStack } from '../../local/stack.js';
import { generateQlibDir, type QlibFixture } from '../../test/support/qlib-fixture.js';
import { runAgent } from './agent-cli.js';
import { uploadBrokenBatch } from './broken-batch.js';
import { experimentsStory } from './experiments.js';
import { DEMO_INBOX, lateDay } from './late-day.js';
import { latestRows, type SettledRow, showAlerts, showReason, showRows, waitSettled } from './show.js';
import type { StoryChecks } from './story-checks.js';

const FIELDS = ['open', 'close', 'high', 'low', 'volume', 'factor'];
/** The generated qlib directory's calendar: 20 Monday–Friday days from 2024-01-02 (test/support/qlib-fixture.ts). */
export const DEMO_START = '2024-01-02';
export const DEMO_DAYS = 20;

interface Io {
  say: (line?: string) => void;
  section: (title: string) => void;
  checks: StoryChecks;
}

/** The demo's story on a running stack: push a qlib directory, show the rows, break a batch, show the alert. */
export async function story(
  stack: LocalStack,
  pool: Pool,
  dir: string,
  io: Io,
  clock: ManualClock,
): Promise<void> {
  const { say, section, checks } = io;
  section('1. a qlib provider directory (generated: test/support/qlib-fixture.ts)');
  const qlib = generateQlibDir({
    root: join(dir, 'qlib'),
    start: DEMO_START,
    days: DEMO_DAYS,
    instruments: 300,
    fields: FIELDS,
    realistic: true,
  });
  const memberRows = qlib.instruments.reduce(
    (n, i) => n + i.memberships.reduce((m, [a, b]) => m + b - a + 1, 0),
    0,
  );
  say(
    `${qlib.root}: ${qlib.calendar.length} trading days ${qlib.calendar[0]}..${qlib.calendar.at(-1)}, ${qlib.instruments.length} instruments, fields ${FIELDS.join(',')}`,
  );

  const loaded = await push(stack, pool, dir, io, { qlib, memberRows });

  section('3. the rows in MySQL (f_cn_daily)');
  const before = await showRows(pool, say);
  checks.check(`f_cn_daily holds the ${memberRows} rows`, before === memberRows, before);
  await runAgent(['status'], agentEnv(stack, dir), say);

  section('4. a broken batch: a hand-made export with one row pasted twice, uploaded with ali-oss directly');
  await brokenBatch(stack, pool, io, { rows: before, batchId: loaded.batch_id });

  await experimentsStory(pool, dir, agentEnv(stack, dir), io);
  const mns = new MNS(stack.accountId, { ...stack.credentials, endpoint: stack.mns.url });
  const mysqlUrl = String(stack.sYamlEnv.MYSQL_URL);
  await lateDay({ stack, pool, mysqlUrl, mns, clock, agentEnv: agentEnv(stack, dir) }, qlib, io);
}

/** The agent pushes the calendar, then the daily fields; both batches must load whole. */
async function push(
  stack: LocalStack,
  pool: Pool,
  dir: string,
  { say, section, checks }: Io,
  { qlib, memberRows }: { qlib: QlibFixture; memberRows: number },
): Promise<SettledRow> {
  section('2. the agent pushes the calendar, then the daily fields (qlib-sync push)');
  const env = agentEnv(stack, dir);
  await runAgent(['push', qlib.root, '--from', 'calendar', '--dataset', 'cn'], env, say);
  const calendar = await waitSettled(pool, { dataset: 'cn' });
  say(`  ingest │ ${calendar.summary}`);
  const calendarOutcome = { status: calendar.status, rows: calendar.rows_loaded };
  checks.check(
    `the calendar batch is loaded with its ${qlib.calendar.length} trading days`,
    calendar.status === 'loaded' && calendar.rows_loaded === qlib.calendar.length,
    calendarOutcome,
  );
  const market = ['--market', qlib.market];
  await runAgent(
    ['push', qlib.root, '--dataset', 'cn_daily', '--fields', FIELDS.join(','), ...market],
    env,
    say,
  );
  const loaded = await waitSettled(pool, { dataset: 'cn_daily' });
  say(`  ingest │ ${loaded.batch_id}: ${loaded.status} — ${loaded.summary}`);
  checks.check(
    `the factors batch is loaded with its ${memberRows} rows (one per ${qlib.market} member and day of membership)`,
    loaded.status === 'loaded' && loaded.rows_loaded === memberRows && loaded.row_count === memberRows,
    { status: loaded.status, rows: loaded.rows_loaded, manifest: loaded.row_count },
  );

  return loaded;
}

/** Upload a batch with a duplicated row: it must be quarantined with its reason, change nothing, and alert once. */
async function brokenBatch(
  stack: LocalStack,
  pool: Pool,
  { say, checks }: Io,
  loaded: { rows: number; batchId: string },
): Promise<void> {
  const credentials = stack.credentials;
  const client = createOssClient({
    bucket: stack.bucket,
    region: stack.region,
    endpoint: stack.oss.url,
    credentials,
  });
  const last = await latestRows(pool, FIELDS, 5);
  const columns = FIELDS.map((name) => ({ name, type: 'float32' as const }));
  const broken = await uploadBrokenBatch(client, 'cn_daily', columns, last.date, last.rows);
  say(`uploaded ${broken.batchId} (${last.date}, ${last.rows.length + 1} rows, ${broken.duplicated} twice)`);
  const rejected = await waitSettled(pool, { batchId: broken.batchId });
  say(`  ingest │ ${rejected.status}: ${rejected.summary}`);
  checks.check(
    'the broken batch is rejected with DUPLICATE_KEY',
    rejected.status === 'rejected' && rejected.error_code === 'DUPLICATE_KEY',
    { status: rejected.status, code: rejected.error_code },
  );
  const reason = await showReason(client, `quarantine/factors/cn_daily/${broken.batchId}/reason.json`, say);
  checks.check(
    'its reason.json is in quarantine/ and names DUPLICATE_KEY',
    reason?.code === 'DUPLICATE_KEY',
    reason?.code ?? 'no reason.json',
  );
  const after = await showRows(pool, say, `unchanged, still ${loaded.rows} rows from ${loaded.batchId}`);
  checks.check('the row count is unchanged', after === loaded.rows, after);
  const mns = new MNS(stack.accountId, { ...credentials, endpoint: stack.mns.url });
  const alerts = await showAlerts(mns, DEMO_INBOX, say);
  const errors = alerts.filter((a) => a.severity === 'error');
  checks.check(
    'the subscriber received exactly one error alert, DUPLICATE_KEY, for the broken batch',
    errors.length === 1 && errors[0]?.code === 'DUPLICATE_KEY' && errors[0]?.batchId === broken.batchId,
    errors.map((e) => `${e.code} ${e.batchId}`),
  );
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
