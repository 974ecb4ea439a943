import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AK } from '../local/oss-harness.js';
import { generateQlibDir, type QlibFixture } from '../support/qlib-fixture.js';
import { type AgentHarness, startAgentHarness } from './agent-harness.js';

describe('the machine the agent runs on: journal lock, credentials file, terminal', () => {
  let h: AgentHarness;
  let fixture: QlibFixture;
  let journals = 0;
  const journalDir = () => join(h.dir, `journal-${++journals}`);
  const push = (journal: string, dataset: string, ...extra: string[]) => [
    '--journal',
    journal,
    'push',
    fixture.root,
    '--dataset',
    dataset,
    '--fields',
    'close',
    ...extra,
  ];
  const fromFile = (file: string) => ({
    ALIBABA_CLOUD_ACCESS_KEY_ID: '',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: '',
    QLIB_SYNC_CREDENTIALS: file,
  });

  beforeAll(async () => {
    h = await startAgentHarness();
    fixture = generateQlibDir({
      root: join(h.dir, 'qlib'),
      days: 8,
      instruments: 12,
      fields: ['close'],
      seed: 9,
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('exits 6 while another live qlib-sync holds the journal, and leaves its lock alone', async () => {
    const journal = journalDir();
    mkdirSync(journal);
    // A live process other than this one: the test runner that started this worker.
    writeFileSync(join(journal, 'lock'), String(process.ppid));
    const run = await h.run(push(journal, 'locked'));
    expect(run.code).toBe(6);
    expect(run.stderr).toContain(
      `[JOURNAL_LOCKED] another qlib-sync (pid ${process.ppid}) is using the journal`,
    );
    expect(run.stderr).toContain('→ another qlib-sync is running');
    expect(existsSync(join(journal, 'lock'))).toBe(true);
    // Only this dataset's uploads: the store is shared by the file's tests, which run in any order.
    expect(h.puts('incoming/factors/locked/')).toEqual([]);
  });

  it('uses a credentials file only its owner can read (0600), and refuses one the group can (0640)', async () => {
    const file = join(h.dir, 'credentials.json');
    writeFileSync(file, JSON.stringify(AK));
    chmodSync(file, 0o600);
    const run = await h.run(push(journalDir(), 'from_file', '--json'), fromFile(file));
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).status).toBe('uploaded');
    const doctor = await h.run(['--journal', journalDir(), 'doctor', '--json'], fromFile(file));
    expect(doctor.code).toBe(0);
    expect(JSON.parse(doctor.stdout).checks[1]).toEqual({
      name: 'credentials',
      status: 'ok',
      detail: `from ${file}`,
    });
    chmodSync(file, 0o640);
    const refused = await h.run(push(journalDir(), 'from_file'), fromFile(file));
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`(mode 0640); run: chmod 600 ${file}`);
  });

  it('off a terminal (cron) a successful push or resume prints nothing; --verbose prints it; failures are loud', async () => {
    const journal = journalDir();
    const quiet = await h.run(push(journal, 'cron_quiet'));
    expect(quiet).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(h.puts('incoming/factors/cron_quiet/')).toHaveLength(2);
    expect(await h.run(['--journal', journal, 'resume'])).toEqual({ code: 0, stdout: '', stderr: '' });
    const json = await h.run(push(journalDir(), 'cron_json', '--json'));
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout).status).toBe('uploaded');
    const verbose = await h.run(push(journalDir(), 'cron_verbose', '--verbose'));
    expect(verbose.stdout).toMatch(/^factors\/cron_verbose: uploaded \S+ \(/);
    expect(verbose.stderr).toContain('"msg":"uploading"');
    // The fixture's batch has quality warnings (instruments listing mid-way): ingest alerts on those.
    const warned = JSON.parse(json.stdout) as { warnings: unknown[] };
    expect(warned.warnings.length).toBeGreaterThan(0);
    const failed = await h.run(push(journalDir(), 'cron_fail'), { OSS_BUCKET: 'no-such-bucket' });
    expect(failed.code).toBe(3);
    expect(failed.stderr).toContain('qlib-sync: [OSS_NO_BUCKET]');
  });

  it('redraws one progress line on a terminal, and writes JSON lines otherwise or with --json', async () => {
    const tty = await h.run(push(journalDir(), 'progress_tty'), {}, { isTTY: true });
    expect(tty.code).toBe(0);
    // Each frame starts by returning to the line's start and clearing it.
    const frames = tty.stderr.split('\r\x1b[2K');
    expect(frames.some((f) => /^building progress_tty: [\d,]+ rows/.test(f))).toBe(true);
    expect(frames.some((f) => /^uploading \S+: [\d.]+ MiB of [\d.]+ MiB \[#{20}\] 100%/.test(f))).toBe(true);
    expect(tty.stderr).not.toContain('"msg":"uploading"');
    for (const [dataset, io, extra] of [
      ['progress_pipe', { isTTY: false }, ['--verbose']],
      ['progress_json', { isTTY: true }, ['--json']],
    ] as const) {
      const run = await h.run(push(journalDir(), dataset, ...extra), {}, io);
      expect(run.code, dataset).toBe(0);
      expect(run.stderr, dataset).not.toContain('\r');
      const logged = run.stderr
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { msg: string });
      expect(
        logged.map((l) => l.msg),
        dataset,
      ).toEqual(expect.arrayContaining(['building', 'uploading']));
    }
  });
});
