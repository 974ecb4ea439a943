import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateQlibDir, type QlibFixture } from '../support/qlib-fixture.js';
import { type CliRun, runCliCaptured } from './agent-harness.js';

/** The CLI in-process with no config file, no credentials and no OSS: what works before any setup. */
function cli(dir: string, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCliCaptured(args, { env, home: dir });
}

const COMMANDS = ['push', 'watch', 'status', 'doctor', 'resume', 'pull'];

describe('the command line before any configuration', () => {
  let dir: string;
  let fixture: QlibFixture;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'agent-cli-'));
    fixture = generateQlibDir({
      root: join(dir, 'qlib'),
      days: 3,
      instruments: 3,
      fields: ['close'],
      seed: 1,
    });
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('every command has --help with an example and the global options', async () => {
    for (const command of COMMANDS) {
      const run = await cli(dir, [command, '--help']);
      expect(run.code, command).toBe(0);
      expect(run.stdout, command).toMatch(/Examples?:\n\s+\$ qlib-sync /);
      expect(run.stdout, command).toContain(`$ qlib-sync ${command}`);
      for (const option of ['--config <file>', '--journal <dir>', '--json', '--verbose'])
        expect(run.stdout, `${command} ${option}`).toContain(option);
    }
    const top = await cli(dir, ['--help']);
    expect(top.stdout).toMatch(/Example[^\n]*:\n\s+30 18 \* \* 1-5\s+qlib-sync push/);
  });

  it('the options for cron, late values, lost events and other stores are taught with an example', async () => {
    const help = async (...args: string[]) => (await cli(dir, [...args, '--help'])).stdout;
    const push = await help('push');
    for (const text of ['--wait [minutes]', '--allow-full-history', '--include-unlisted', 'lateDays'])
      expect(push).toContain(text);
    expect(push).toMatch(/\$ qlib-sync push .* --since-last --wait 20/);
    expect(push).toMatch(/--include-unlisted --since-last --allow-full-history --verbose/);
    expect(push).toMatch(
      /4 invalid input data \(including a\s+missing source, and with --wait a batch ingest rejected\)/,
    );
    expect(await help('resume')).toMatch(/\$ qlib-sync resume --retrigger \S+/);
    expect(await help('status')).toContain('OVERDUE');
    expect(await help('doctor')).toContain('7 a batch overdue at ingest');
    expect(await help('watch')).toMatch(/--include-unlisted --allow-full-history/);
    const top = await help();
    expect(top).toContain('pathStyle');
    expect(top).toContain('7 no verdict from ingest in time');
  });

  it('push --help names every source the path may be', async () => {
    const stdout = (await cli(dir, ['push', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(stdout).toContain(
      'a qlib directory (also with --from calendar), a .csv/.csv.gz or a .parquet/.pq export file',
    );
    expect(stdout).toContain('.parquet or .pq');
    expect(stdout).toContain('--from calendar with <path> a qlib directory');
  });

  it('push checks its own options before config and credentials: a usage error is exit 2', async () => {
    const noFields = await cli(dir, ['push', fixture.root, '--dataset', 'daily']);
    expect(noFields.code).toBe(2);
    expect(noFields.stderr).toContain('a qlib directory needs --fields');
    const both = await cli(dir, [
      'push',
      fixture.root,
      '--dataset',
      'daily',
      '--fields',
      'close',
      '--market',
      'all',
      '--instruments',
      'SH600000',
    ]);
    expect(both.code).toBe(2);
    const exportFlags = await cli(dir, ['push', join(dir, 'x.csv'), '--dataset', 'daily', '--since-last']);
    expect(exportFlags.code).toBe(2);
    expect(exportFlags.stderr).toContain('--since-last applies to qlib directories');
    // With the options right, the missing configuration is what stops it (exit 3).
    const unconfigured = await cli(dir, ['push', fixture.root, '--dataset', 'daily', '--fields', 'close']);
    expect(unconfigured.code).toBe(3);
    expect(unconfigured.stderr).toContain('bucket (OSS_BUCKET)');
  });

  it("--fields in qlib's expression syntax ($close) is a usage error (exit 2) saying to drop the $", async () => {
    for (const command of [
      ['push', fixture.root, '--dataset', 'daily', '--fields', '$close,$open'],
      ['watch', '--qlib-dir', fixture.root, '--dataset', 'daily', '--fields', '$close,$open'],
    ]) {
      const run = await cli(dir, command);
      expect(run.code, command[0]).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(
        `--fields "$close" is qlib's expression syntax; give the field names without the $: --fields close,open`,
      );
    }
    const twice = await cli(dir, ['push', fixture.root, '--dataset', 'daily', '--fields', 'close,CLOSE']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('--fields lists "CLOSE" twice');
  });

  it('status --offline reads the journal without bucket, region or credentials', async () => {
    const journal = join(dir, 'journal');
    const human = await cli(dir, ['--journal', journal, 'status', '--offline']);
    expect(human).toMatchObject({ code: 0, stdout: 'no batches in the journal yet\n' });
    const json = await cli(dir, ['status', '--offline', '--json'], { QLIB_SYNC_JOURNAL: journal });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ batches: [], refreshed: false, overdue: [], corrupt: [] });
    // A config file is still read (and checked) for journalDir.
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ journalDir: journal, colour: 'blue' }));
    chmodSync(config, 0o600);
    const bad = await cli(dir, ['--config', config, 'status', '--offline']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('colour: unknown key');
    const online = await cli(dir, ['--journal', journal, 'status']);
    expect(online.code).toBe(3);
  });
});
