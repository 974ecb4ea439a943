import { chmodSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateQlibDir, type QlibFixture, writeBin } from '../support/qlib-fixture.js';
import { type AgentHarness, type CliRun, startAgentHarness } from './agent-harness.js';

/** The one human message the CLI prints for a failure: `qlib-sync: [CODE] …`, without a stack. */
function failureLine(run: CliRun): string {
  const lines = run.stderr.split('\n').filter((l) => l.startsWith('qlib-sync:'));
  expect(lines).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  return lines[0] as string;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the CLI entry on failures (child processes)', () => {
  let h: AgentHarness;
  let fixture: QlibFixture;
  let journals = 0;
  // Each case its own journal: a batch one case leaves unfinished must not be resumed by the next.
  const push = (root: string) => [
    '--journal',
    join(h.dir, `journal-${++journals}`),
    'push',
    root,
    '--dataset',
    'cn_daily',
    '--fields',
    'open,close',
  ];

  beforeAll(async () => {
    h = await startAgentHarness({ retries: 3, retryBaseMs: 5 });
    fixture = generateQlibDir({
      root: join(h.dir, 'qlib'),
      days: 10,
      instruments: 20,
      fields: ['open', 'close'],
      seed: 3,
      missingFileRate: 0,
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('a wrong secret: exit 3 and one message naming the credentials', async () => {
    const run = await h.exec(push(fixture.root), { ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'wrong-secret' });
    expect(run.code).toBe(3);
    expect(failureLine(run)).toMatch(/\[OSS_AUTH\].*access key id, secret/);
  });

  it('an unreachable endpoint: exit 5 after the bounded retries, naming the code and host', async () => {
    const host = `127.0.0.1:${await closedPort()}`;
    const run = await h.exec([...push(fixture.root), '--verbose'], { OSS_ENDPOINT: `http://${host}` });
    expect(run.code).toBe(5);
    expect(failureLine(run)).toMatch(
      new RegExp(
        `\\[OSS_UNAVAILABLE\\] gave up after 3 attempts: head \\S+: OSS at ${host} did not answer \\(ECONNREFUSED: connect ECONNREFUSED ${host}\\); check the endpoint/region`,
      ),
    );
    expect(run.stderr.match(/transient OSS fault, retrying/g)).toHaveLength(2);
    // Not in the message, nor in the logged cause: urllib's socket-agent state.
    expect(run.stderr).not.toMatch(/agent status|createSocketCount|headers: \{\}/);
  });

  it('a missing qlib directory: exit 4', async () => {
    const run = await h.exec(push(join(h.dir, 'no-such-dir')));
    expect(run.code).toBe(4);
    expect(failureLine(run)).toMatch(/\[QLIB_DIR_NOT_FOUND\] qlib directory .*no-such-dir does not exist/);
  });

  it('a .bin whose size is not a multiple of 4: exit 4 with the file and the fault', async () => {
    const broken = generateQlibDir({
      root: join(h.dir, 'odd'),
      days: 10,
      instruments: 5,
      fields: ['open', 'close'],
      seed: 4,
    });
    const path = join(broken.root, 'features', broken.instruments[2]!.featureDir, 'close.day.bin');
    writeFileSync(path, Buffer.alloc(10));
    const run = await h.exec(push(broken.root));
    expect(run.code).toBe(4);
    expect(failureLine(run)).toContain(
      `[BIN_MALFORMED] malformed qlib feature file ${path}: its size 10 bytes is not a multiple of 4`,
    );
    expect(h.puts('incoming/factors/cn_daily/')).toEqual([]);
  });

  it('a .bin starting past the calendar end: exit 4 with the file and the fault', async () => {
    const broken = generateQlibDir({
      root: join(h.dir, 'late'),
      days: 10,
      instruments: 5,
      fields: ['open', 'close'],
      seed: 5,
    });
    const path = join(broken.root, 'features', broken.instruments[1]!.featureDir, 'open.day.bin');
    writeBin(path, 12, [1, 2, 3]);
    const run = await h.exec(push(broken.root));
    expect(run.code).toBe(4);
    expect(failureLine(run)).toContain(`${path}: its start index 12 is past the calendar end (10 days)`);
  });

  it('a credentials file readable by others: exit 3, asking for chmod 600', async () => {
    const file = join(h.dir, 'credentials.json');
    writeFileSync(file, JSON.stringify({ accessKeyId: 'a', accessKeySecret: 'b' }));
    chmodSync(file, 0o644);
    const run = await h.exec(push(fixture.root), {
      ALIBABA_CLOUD_ACCESS_KEY_ID: '',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: '',
      QLIB_SYNC_CREDENTIALS: file,
    });
    expect(run.code).toBe(3);
    expect(failureLine(run)).toContain(`(mode 0644); run: chmod 600 ${file}`);
  });

  it('a usage error: exit 2', async () => {
    const run = await h.exec(['push', fixture.root, '--dataset', 'cn_daily']);
    expect(run.stdout).toBe('');
    expect(run.code).toBe(2);
    expect(failureLine(run)).toContain('--fields');
  });
});
