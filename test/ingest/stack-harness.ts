import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type OSS from 'ali-oss';
import type { RowDataPacket } from 'mysql2/promise';
import type { OssEventRecord } from '../../core/oss-event.js';
import type { InvocationRecord } from '../../local/fc/invocation.js';
import type { OssServerOptions } from '../../local/oss/server.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { createTestDatabase, type TestDatabase } from '../support/mysql.js';
import type { Batch } from './batch-builder.js';
import { ossClient } from './harness.js';

export const FUNCTION = 'qlib-ingest';

/**
 * The deployable artifact end to end: the repo's s.yaml on the local stack (OSS trigger → FC runtime → child
 * process running dist/functions/ingest/index.js), MariaDB in a database of its own.
 */
export interface StackEnv {
  db: TestDatabase;
  stack: LocalStack;
  client: OSS;
  started: InvocationRecord[];
  /** the OSS event records the trigger delivered */
  events: OssEventRecord[];
  upload(batch: Batch, parts?: { payload?: boolean; manifest?: boolean }): Promise<void>;
  query(sql: string, params?: unknown[]): Promise<RowDataPacket[]>;
  /** the ingest function's output lines */
  logs: string[];
  /** the local OSS server's test hook, for this env's tests to set and clear (undefined: none) */
  intercept: OssServerOptions['intercept'];
  close(): Promise<void>;
}

export async function startStackEnv(
  label: string,
  options: { env?: Record<string, string>; retryDelaysMs?: number[] } = {},
): Promise<StackEnv> {
  const dir = await mkdtemp(join(tmpdir(), `ingest-fc-${label}-`));
  const db = await createTestDatabase(`fc_${label}`);
  const started: InvocationRecord[] = [];
  const logs: string[] = [];
  let intercept: StackEnv['intercept'];
  const stack = await startLocalStack({
    ossIntercept: (req) => intercept?.(req),
    stateDir: join(dir, 'state'),
    mysqlUrl: db.url,
    env: { LOG_LEVEL: 'info', ...options.env },
    retryDelaysMs: options.retryDelaysMs ?? [100],
    log: (line, fn) => {
      if (fn === FUNCTION) logs.push(line);
      if (process.env.INGEST_TEST_LOG === '1') process.stderr.write(`[${fn}] ${line}\n`);
    },
    onInvokeStart: (record) => started.push(record),
  });
  const events: OssEventRecord[] = [];
  stack.oss.onEvent((record) => {
    events.push(record);
  });
  const client = ossClient(stack.oss.url, stack.bucket, stack.credentials);
  return {
    get intercept() {
      return intercept;
    },
    set intercept(hook) {
      intercept = hook;
    },
    db,
    stack,
    client,
    started,
    events,
    logs,
    upload: async (batch, parts = {}) => {
      if (parts.payload !== false) await client.put(batch.payloadKey, batch.payload);
      if (parts.manifest !== false) await client.put(batch.manifestKey, Buffer.from(batch.manifestText));
    },
    query: async (sql, params = []) => (await db.pool.execute<RowDataPacket[]>(sql, params as never))[0],
    close: async () => {
      await stack.close();
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Hold the body of the first GetObject of `key` after `afterBytes` bytes, until `release()`: whatever reads it
 * (ingest streaming a payload into LOAD DATA) is then mid-read for as long as the test needs, on any machine.
 */
export function stallFirstGet(env: StackEnv, key: string, afterBytes: number) {
  let reached: () => void = () => {};
  let release: () => void = () => {};
  const stalled = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let used = false;
  env.intercept = (req) => {
    if (used || req.method !== 'GET' || req.key !== key || 'uploads' in req.query) return undefined;
    used = true;
    return { stall: { afterBytes, reached, release: released } };
  };
  return { stalled, release };
}

/** Poll PROCESSLIST until a statement starting with `prefix` runs in `database`; returns its connection id. */
export async function waitForStatement(
  db: TestDatabase,
  prefix: string,
  timeoutMs = 30_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [rows] = await db.pool.query<RowDataPacket[]>(
      'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND INFO LIKE ?',
      [db.database, `${prefix}%`],
    );
    if (rows[0] !== undefined) return Number(rows[0].id);
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`no statement starting with ${prefix} ran in ${db.database} within ${timeoutMs} ms`);
}
