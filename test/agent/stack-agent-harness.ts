import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { createOssClient } from '../../adapters/object-store/client.js';
import { OssObjectStore } from '../../adapters/object-store/store.js';
import type { CliIO } from '../../agent/cli-io.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { createTestDatabase, type TestDatabase } from '../support/mysql.js';
import { type CliRun, runCliCaptured } from './agent-harness.js';

/**
 * The agent CLI against the whole local stack: the repo's s.yaml on the local OSS, MNS and FC runtime
 * (OSS trigger → the bundled ingest function → MariaDB in a database of its own). What the agent uploads is
 * ingested as in the cloud, so a test sees the rows in MySQL.
 */
export interface StackAgent {
  stack: LocalStack;
  db: TestDatabase;
  dir: string;
  /** ali-oss on the stack's OSS, for reading what is there. */
  store: OssObjectStore;
  /** Run the CLI in-process against the stack; `env` overrides, `io` replaces parts of the world. */
  run(args: string[], env?: Record<string, string>, io?: Partial<CliIO>): Promise<CliRun>;
  query(sql: string, params?: unknown[]): Promise<RowDataPacket[]>;
  close(): Promise<void>;
}

export async function startStackAgent(
  label: string,
  settings: Record<string, unknown> = {},
): Promise<StackAgent> {
  const dir = mkdtempSync(join(tmpdir(), `agent-stack-${label}-`));
  const db = await createTestDatabase(`agent_${label}`);
  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      stateDir: join(dir, 'state'),
      mysqlUrl: db.url,
      env: { LOG_LEVEL: 'warn' },
      retryDelaysMs: [100],
      log: (line, fn) => {
        if (process.env.INGEST_TEST_LOG === '1') process.stderr.write(`[${fn}] ${line}\n`);
      },
    });
  } catch (error) {
    await db.drop();
    throw error;
  }
  const configPath = join(dir, 'config.json');
  const config = {
    bucket: stack.bucket,
    region: stack.region,
    endpoint: stack.oss.url,
    journalDir: join(dir, 'journal'),
    retryBaseMs: 5,
    retries: 3,
    timeoutMs: 10_000,
    ...settings,
  };
  writeFileSync(configPath, JSON.stringify(config));
  const env = {
    ALIBABA_CLOUD_ACCESS_KEY_ID: stack.credentials.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: stack.credentials.accessKeySecret,
  };
  const store = new OssObjectStore(
    createOssClient({
      bucket: stack.bucket,
      region: stack.region,
      endpoint: stack.oss.url,
      credentials: stack.credentials,
    }),
  );
  return {
    stack,
    db,
    dir,
    store,
    run: (args, extra = {}, io = {}) =>
      runCliCaptured(['--config', configPath, ...args], { env: { ...env, ...extra }, home: dir, ...io }),
    query: async (sql, params = []) => (await db.pool.execute<RowDataPacket[]>(sql, params as never))[0],
    close: async () => {
      await stack.close();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
