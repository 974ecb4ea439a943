import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from '../../adapters/warehouse/pool.js';
import { prepareDatabase } from '../../adapters/warehouse/prepare.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { type DemoMysql, startPrivateMysql } from '../../scripts/demo/mysql-server.js';
import { runCliCaptured } from '../agent/agent-harness.js';
import { MIGRATIONS_DIR, quietLogger } from '../support/mysql.js';
import { generateQlibDir, type QlibFixture } from '../support/qlib-fixture.js';

/**
 * RDS MySQL 8 always writes a ROW binary log, and a batch commits in one transaction: its row images must fit
 * max_binlog_cache_size. A private MariaDB with the binlog on and a small cache shows what an oversized batch
 * does, and that the agent's default split (agent/split) loads a 250-day history, a restatement of it included.
 */
const CACHE = 256 * 1024; // max_binlog_cache_size: bytes, a multiple of 4096
const FIELDS = ['open', 'close', 'high', 'low', 'volume', 'factor'];
const DAYS = 250;
// A restatement's transaction carries the old rows twice more (copied to the history, deleted) besides the new
// ones: about three times a plain load. A budget of a fifth of the cache leaves room for that.
const BUDGET_MIB = String(CACHE / 5 / 1024 / 1024);

let server: DemoMysql;
let pool: Pool;
let stack: LocalStack;
let dir: string;
let configPath: string;

async function rows<T = RowDataPacket>(sql: string, params: unknown[] = []): Promise<T[]> {
  return (await pool.query<RowDataPacket[]>(sql, params))[0] as T[];
}

function push(fixture: QlibFixture, ...extra: string[]) {
  const args = [
    '--config',
    configPath,
    'push',
    fixture.root,
    '--dataset',
    'cn_daily',
    '--fields',
    FIELDS.join(','),
  ];
  return runCliCaptured([...args, '--json', ...extra], {
    env: {
      ALIBABA_CLOUD_ACCESS_KEY_ID: stack.credentials.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: stack.credentials.accessKeySecret,
    },
    home: dir,
  });
}

/** Rows in the factor table (0 when ingest has not created it). */
async function factorRows(): Promise<number> {
  const [table] = await rows(
    "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'f_cn_daily'",
  );
  if (Number(table?.n) === 0) return 0;
  const [count] = await rows('SELECT COUNT(*) AS n FROM f_cn_daily');
  return Number(count?.n);
}

/** Wait until ingest has settled `count` more batches than `before` (every invocation ends loaded or rejected). */
async function settled(
  count: number,
): Promise<{ batch_id: string; status: string; error_code: string | null }[]> {
  await stack.fc.waitForInvocations(
    (r) => r.fn === 'qlib-ingest' && r.status === 'succeeded',
    count,
    120_000,
  );
  return rows('SELECT batch_id, status, error_code FROM batches ORDER BY batch_id');
}

beforeAll(async () => {
  const started = await startPrivateMysql([
    '--log-bin=binlog',
    '--binlog-format=ROW',
    '--server-id=1',
    `--max-binlog-cache-size=${CACHE}`,
  ]);
  if (started === undefined) throw new Error('no MariaDB/MySQL server binary is installed (mariadbd)');
  server = started;
  const prepared = await prepareDatabase(`${server.url}/qlib`, MIGRATIONS_DIR, quietLogger, 4);
  pool = prepared.pool;
  dir = await mkdtemp(join(tmpdir(), 'binlog-'));
  stack = await startLocalStack({
    stateDir: join(dir, 'state'),
    mysqlUrl: prepared.url,
    retryDelaysMs: [50],
    log: (line, fn) => {
      if (process.env.INGEST_TEST_LOG === '1') process.stderr.write(`[${fn}] ${line}\n`);
    },
  });
  configPath = join(dir, 'config.json');
  const config = {
    bucket: stack.bucket,
    region: stack.region,
    endpoint: stack.oss.url,
    journalDir: join(dir, 'journal'),
  };
  await writeFile(configPath, JSON.stringify(config));
});

afterAll(async () => {
  await stack?.close();
  await pool?.end();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

// One scenario: its steps build on each other, in this order even when the run shuffles.
describe.sequential('a 250-day push into MySQL with a ROW binary log (one scenario, in order)', {
  shuffle: false,
}, () => {
  const fixture = (seed = 3) =>
    generateQlibDir({ root: join(dir, `qlib-${seed}`), days: DAYS, instruments: 40, fields: FIELDS, seed });
  let firstLoad: { rows: number; batches: number };

  it('runs the server like RDS: binary log on, ROW format, a small binlog cache', async () => {
    const [vars] = await rows(
      'SELECT @@log_bin AS logBin, @@binlog_format AS format, @@max_binlog_cache_size AS cache',
    );
    expect(vars).toMatchObject({ logBin: 1, format: 'ROW', cache: CACHE });
  });

  it('one batch of the whole history cannot commit: rejected, nothing loaded, and the reason says what to do', {
    timeout: 300_000,
  }, async () => {
    const run = await push(fixture(), '--batch-mib', '0');
    expect(run.code, run.stderr).toBe(0);
    const [batch] = await settled(1);
    expect(batch).toMatchObject({ status: 'rejected', error_code: 'BATCH_TOO_LARGE_FOR_BINLOG' });
    const [why] = await rows<{ summary: string }>('SELECT summary FROM batches WHERE batch_id = ?', [
      batch?.batch_id,
    ]);
    expect(why?.summary).toMatch(/max_binlog_cache_size.*--batch-mib/);
    expect(await factorRows()).toBe(0);
  });

  it('split by the agent (a budget below the cache), every batch loads, whole days each', {
    timeout: 300_000,
  }, async () => {
    const run = await push(fixture(), '--batch-mib', BUDGET_MIB);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { status: string; batches: { status: string }[] };
    expect(result.status).toBe('split');
    expect(result.batches.length).toBeGreaterThan(3);
    const ledger = await settled(1 + result.batches.length);
    expect(ledger.filter((b) => b.status === 'loaded')).toHaveLength(result.batches.length);
    const [loaded] = await rows<{ n: number; days: number }>(
      'SELECT COUNT(*) AS n, COUNT(DISTINCT trade_date) AS days FROM f_cn_daily',
    );
    expect(loaded?.days).toBe(DAYS);
    const perDay = await rows(
      'SELECT trade_date, COUNT(DISTINCT batch_id) AS b FROM f_cn_daily GROUP BY trade_date HAVING b > 1',
    );
    expect(perDay).toEqual([]); // a day is never split across batches
    firstLoad = { rows: Number(loaded?.n), batches: result.batches.length };
  });

  it('a restatement of the whole range, split the same way, replaces every day exactly once', {
    timeout: 300_000,
  }, async () => {
    const restated = fixture(4);
    const range = ['--start', restated.calendar[0] as string, '--end', restated.calendar.at(-1) as string];
    const run = await push(restated, '--batch-mib', BUDGET_MIB, ...range);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { batches: { status: string }[] };
    const ledger = await settled(1 + firstLoad.batches + result.batches.length);
    expect(ledger.filter((b) => b.status === 'loaded')).toHaveLength(
      firstLoad.batches + result.batches.length,
    );
    // Every row loaded first now sits in the history exactly once, superseded by one of the new batches.
    const [history] = await rows<{ n: number; once: number }>(
      'SELECT COUNT(*) AS n, COUNT(DISTINCT trade_date, instrument, batch_id) AS once FROM f_cn_daily__history',
    );
    expect(Number(history?.n)).toBe(firstLoad.rows);
    expect(Number(history?.once)).toBe(firstLoad.rows);
    const [now] = await rows<{ stale: number }>(
      'SELECT COUNT(*) AS stale FROM f_cn_daily f JOIN batches b ON b.batch_id = f.batch_id WHERE b.restates_batch_id IS NULL',
    );
    expect(Number(now?.stale)).toBe(0); // no row of the first load is left in the table
    const restatedBatches = await rows(
      "SELECT batch_id FROM batches WHERE status = 'loaded' AND restates_batch_id IS NOT NULL",
    );
    expect(restatedBatches).toHaveLength(result.batches.length);
    // Loads of one table run one at a time (adapters/warehouse/table-lock.ts), first loads and restatements alike:
    // not one attempt failed on a deadlock and needed FC's retry.
    const failed = stack.fc.invocations().filter((r) => r.fn === 'qlib-ingest' && r.status !== 'succeeded');
    expect(failed.map((r) => r.error?.errorMessage)).toEqual([]);
  });
});
