import { mkdtemp, rm } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type OSS from 'ali-oss';
import type { RowDataPacket } from 'mysql2/promise';
import { createOssClient } from '../../adapters/object-store/client.js';
import { TokenStore } from '../../adapters/warehouse/api-tokens.js';
import type { Scope } from '../../core/api/token.js';
import type { ManualClock } from '../../local/fc/clock.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import type { Batch } from '../ingest/batch-builder.js';
import { createTestDatabase, type TestDatabase } from '../support/mysql.js';

/**
 * The API as a web service meets it: the repo's s.yaml on the local stack (OSS, MNS, the FC runtime serving
 * dist/functions/api over its HTTP trigger and ingest over its OSS trigger), a database of the test's own, and a
 * plain HTTP client (fetch). Batches go in the way the agent sends them: payload, then manifest, through ali-oss.
 */
export interface ApiEnvironment {
  db: TestDatabase;
  stack: LocalStack;
  /** The HTTP trigger's base URL. */
  base: string;
  oss: OSS;
  /** Upload a batch (payload, then manifest) and wait until ingest settled it; its ledger row. */
  push(batch: Batch): Promise<{ status: string; error_code: string | null; rows_loaded: number | null }>;
  /** A token with these scopes (created as `npm run token` does, through the token store). */
  token(scopes: Scope[], name?: string): Promise<string>;
  /** GET (or another method) with a bearer token; the response. */
  call(path: string, token: string | undefined, init?: RequestInit): Promise<Response>;
  /** A JSON answer, asserting nothing: status and body. */
  // biome-ignore lint/suspicious/noExplicitAny: the tests walk arbitrary JSON answers with expect()
  json(path: string, token: string | undefined, init?: RequestInit): Promise<{ status: number; body: any }>;
  query(sql: string, params?: unknown[]): Promise<RowDataPacket[]>;
  close(): Promise<void>;
}

/** `clock`: a ManualClock keeps the monitor's timer from firing on its own (a test that writes monitor runs). */
export async function startApi(
  label: string,
  env: Record<string, string> = {},
  options: { clock?: ManualClock } = {},
): Promise<ApiEnvironment> {
  const dir = await mkdtemp(join(tmpdir(), `api-${label}-`));
  const db = await createTestDatabase(`api_${label}`);
  const verbose = process.env.API_TEST_LOG === '1';
  const stack = await startLocalStack({
    stateDir: join(dir, 'stack'),
    mysqlUrl: db.url,
    env: { LOG_LEVEL: verbose ? 'debug' : 'warn', LEASE_SECONDS: '30', ...env },
    retryDelaysMs: [200, 400, 800],
    log: (line, fn) => (verbose ? process.stderr.write(`[${fn}] ${line}\n`) : undefined),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const base = stack.fc.httpUrl('qlib-api');
  if (base === undefined) throw new Error('the s.yaml has no HTTP trigger for qlib-api');
  const oss = createOssClient({
    bucket: stack.bucket,
    region: stack.region,
    endpoint: stack.oss.url,
    credentials: stack.credentials,
  });
  // A fresh connection per upload: a test that verifies an 8 MiB page keeps the event loop busy past the local
  // OSS server's keep-alive, and a reused socket the server has closed is an ECONNRESET, not a finding.
  (oss as unknown as { agent: Agent }).agent = new Agent({ keepAlive: false });
  let tokens = 0;
  const call = (path: string, token: string | undefined, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
    return fetch(`${base}${path}`, { ...init, headers, redirect: 'manual' });
  };
  return {
    db,
    stack,
    base,
    oss,
    push: async (batch) => {
      await oss.put(batch.payloadKey, batch.payload);
      await oss.put(batch.manifestKey, Buffer.from(batch.manifestText));
      return settled(db, batch.batchId);
    },
    token: async (scopes, name) =>
      (await new TokenStore(db.pool).create(name ?? `t${++tokens}`, scopes, null)).token,
    call,
    json: async (path, token, init) => {
      const response = await call(path, token, init);
      const text = await response.text();
      return { status: response.status, body: text === '' ? null : JSON.parse(text) };
    },
    query: async (sql, params = []) => (await db.pool.execute<RowDataPacket[]>(sql, params as never))[0],
    close: async () => {
      await stack.close();
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Poll the ledger until ingest settled the batch. */
async function settled(db: TestDatabase, batchId: string) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const [rows] = await db.pool.execute<RowDataPacket[]>(
      `SELECT status, error_code, rows_loaded FROM batches WHERE batch_id = ? AND status IN ('loaded','rejected','duplicate')`,
      [batchId],
    );
    if (rows[0] !== undefined)
      return rows[0] as { status: string; error_code: string | null; rows_loaded: number | null };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`batch ${batchId} did not settle within 120 s (API_TEST_LOG=1 shows the function log)`);
}

/** The previous `count` weekdays before `today` and today itself, ascending (a calendar that ends today). */
export function weekdaysUpTo(today: string, count: number): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${today}T00:00:00Z`); out.length < count; t -= 86_400_000) {
    const day = new Date(t);
    if (day.getUTCDay() !== 0 && day.getUTCDay() !== 6) out.push(day.toISOString().slice(0, 10));
  }
  return out.reverse();
}
