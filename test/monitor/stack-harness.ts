import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MNS from '@alicloud/mns';
import type OSS from 'ali-oss';
import type { RowDataPacket } from 'mysql2/promise';
import { ManualClock } from '../../local/fc/clock.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { runAlertsCli } from '../../scripts/alerts.js';
import { type Batch, factorRows, floatColumns, makeBatch } from '../ingest/batch-builder.js';
import { ossClient } from '../ingest/harness.js';
import { createTestDatabase, type TestDatabase } from '../support/mysql.js';

export const MONITOR = 'qlib-monitor';
export const INGEST = 'qlib-ingest';
export const COLUMNS = floatColumns(3);

/** A message as a subscriber receives it: the JSON body and (HTTP) the tag header. */
export interface Received {
  body: Record<string, unknown> & { summary: string; transition: string; severity: string };
  tag?: string;
}

/**
 * The repo's s.yaml on the local stack with its timers on a ManualClock (so the monitor runs at the times a test
 * names), MariaDB in a database of its own, and two subscribers created by `npm run alerts -- subscribe`: a queue
 * and an HTTP endpoint.
 */
export interface MonitorEnv {
  db: TestDatabase;
  stack: LocalStack;
  clock: ManualClock;
  client: OSS;
  mns: MNS;
  http: { url: string; received: Received[] };
  queue: string;
  logs: Map<string, string[]>;
  /** upload a batch (payload, then manifest): the OSS trigger runs ingest */
  upload(batch: Batch): Promise<void>;
  /** upload and wait until the ledger settles it */
  load(batch: Batch): Promise<Record<string, unknown>>;
  /** move the clock to `to` in steps of the monitor's 10 minutes, each run finished before the next */
  runUntil(to: Date): Promise<void>;
  /** every message the queue subscriber has received since the last call */
  drain(): Promise<Received[]>;
  query(sql: string, params?: unknown[]): Promise<RowDataPacket[]>;
  alertsCli(args: string[]): Promise<{ code: number; out: string[]; err: string[] }>;
  close(): Promise<void>;
}

export async function startMonitorEnv(
  label: string,
  options: { start: Date; env?: Record<string, string>; mailTopic?: string; subscribe?: boolean },
): Promise<MonitorEnv> {
  const dir = await mkdtemp(join(tmpdir(), `monitor-${label}-`));
  const db = await createTestDatabase(`mon_${label}`);
  const clock = new ManualClock(options.start);
  const logs = new Map<string, string[]>();
  const stack = await startLocalStack({
    stateDir: join(dir, 'state'),
    mysqlUrl: db.url,
    clock,
    alertMailTopic: options.mailTopic,
    env: { LOG_LEVEL: 'info', ...options.env },
    retryDelaysMs: [50],
    log: (line, fn) => {
      logs.set(fn, [...(logs.get(fn) ?? []), line]);
      if (process.env.MONITOR_TEST_LOG === '1') process.stderr.write(`[${fn}] ${line}\n`);
    },
  });
  const http = await startHttpSubscriber();
  const mns = new MNS(stack.accountId, { ...stack.credentials, endpoint: stack.mns.url });
  const client = ossClient(stack.oss.url, stack.bucket, stack.credentials);
  const queue = `${label.replace(/_/g, '-')}-inbox`;
  const cliEnv = {
    ALIBABA_CLOUD_ACCESS_KEY_ID: stack.credentials.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: stack.credentials.accessKeySecret,
    ACCOUNT_ID: stack.accountId,
    REGION: stack.region,
    MNS_ENDPOINT: stack.mns.url,
    ALERT_TOPIC: stack.alertTopic,
    ...(options.mailTopic === undefined ? {} : { ALERT_MAIL_TOPIC: options.mailTopic }),
  };
  const alertsCli = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runAlertsCli(args, cliEnv, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err };
  };
  if (options.subscribe !== false) {
    const subscribed = await alertsCli(['subscribe', '--queue', queue, '--http', `${http.url}/qlib`]);
    if (subscribed.code !== 0) throw new Error(`subscribe failed: ${subscribed.err.join('\n')}`);
  }
  const query = async (sql: string, params: unknown[] = []) =>
    (await db.pool.query<RowDataPacket[]>(sql, params as never))[0];
  const upload = async (batch: Batch) => {
    await client.put(batch.payloadKey, batch.payload);
    await client.put(batch.manifestKey, Buffer.from(batch.manifestText));
  };
  return {
    db,
    stack,
    clock,
    client,
    mns,
    http,
    queue,
    logs,
    upload,
    load: async (batch) => {
      await upload(batch);
      return waitSettled(query, batch.batchId);
    },
    runUntil: async (to) => {
      while (clock.now() < to) {
        const next = new Date(Math.min(to.getTime(), nextTen(clock.now()).getTime()));
        await clock.set(next);
        await stack.fc.idle();
      }
    },
    drain: async () => {
      const out: Received[] = [];
      for (;;) {
        const message = await mns.receiveMessage(queue, 0).catch(() => undefined);
        if (message === undefined) return out;
        out.push({ body: JSON.parse(message.body.MessageBody) });
        await mns.deleteMessage(queue, message.body.ReceiptHandle);
      }
    },
    query,
    alertsCli,
    close: async () => {
      await stack.close();
      await new Promise<void>((resolve) => http.server.close(() => resolve()));
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The next 10-minute boundary strictly after `at` (the monitor's timer: 0 *\/10 * * * *). */
function nextTen(at: Date): Date {
  const step = 10 * 60_000;
  return new Date(Math.floor(at.getTime() / step) * step + step);
}

/** Poll the ledger until the batch is settled (loaded, rejected, duplicate). */
export async function waitSettled(
  query: MonitorEnv['query'],
  batchId: string,
  timeoutMs = 60_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [row] = await query(
      "SELECT batch_id, status, rows_loaded, attempts, error_code FROM batches WHERE batch_id = ? AND status IN ('loaded','rejected','duplicate')",
      [batchId],
    );
    if (row !== undefined) return row;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`batch ${batchId} did not settle within ${timeoutMs} ms`);
}

/** A calendar batch with these trading days. */
export function calendarBatch(name: string, days: string[]): Batch {
  return makeBatch({ dataset: name, kind: 'calendar', days });
}

/** A factor batch: `instruments` rows per day of `days`. */
export function factorBatch(
  dataset: string,
  days: string[],
  options: { instruments?: number; seed?: number } = {},
): Batch {
  const rows = factorRows({
    dates: days,
    instruments: options.instruments ?? 30,
    columns: COLUMNS,
    seed: options.seed ?? 7,
  });
  return makeBatch({ dataset, columns: COLUMNS, rows });
}

/** Shanghai wall time (UTC+8, no DST) as an instant. */
export function cst(day: string, time: string): Date {
  return new Date(`${day}T${time}:00+08:00`);
}

interface HttpSubscriber {
  url: string;
  server: Server;
  received: Received[];
}

/** An HTTP endpoint MNS pushes to: it keeps what arrived (the body and the tag header) and answers 204. */
async function startHttpSubscriber(): Promise<HttpSubscriber> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const tag = req.headers['x-mns-message-tag'];
      received.push({
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        ...(typeof tag === 'string' ? { tag } : {}),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server, received };
}
