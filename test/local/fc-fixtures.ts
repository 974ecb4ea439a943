import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Shared bits of the fc-*.test.ts files: fixture paths, credentials, a temp dir per file. */
export const FIXTURES = resolve(import.meta.dirname, '../fixtures/fc');
export const ACCOUNT_ID = '1234567890123456';
export const CREDENTIALS = { accessKeyId: 'LTAI5tFcTestKey', accessKeySecret: 'fc-test-secret' };
/** What handlers get as context.credentials (an STS triple, as FC gives a function with a role). */
export const STS = { accessKeyId: 'STS.fc-test', accessKeySecret: 'sts-secret', securityToken: 'sts-token' };

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** What the fixture handler index.record wrote for one request. */
export interface Seen {
  event: string;
  eventIsBuffer: boolean;
  context: Record<string, unknown> & { requestId: string };
  loggerMethods: string[];
  env: Record<string, string>;
  pid: number;
  initializeCount: number;
}

export async function readSeen(dir: string, requestId: string): Promise<Seen> {
  return JSON.parse(await readFile(join(dir, `${requestId}.json`), 'utf8')) as Seen;
}

export async function filesIn(dir: string, suffix: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith(suffix)).sort();
}
