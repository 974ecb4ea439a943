import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadJournalDir, loadSettings } from '../../agent/settings.js';
import { ConfigError } from '../../core/errors.js';
import { DEFAULT_POLICY } from '../../core/quality/policy.js';

describe('agent settings (config file + environment)', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'settings-'));
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
  });

  const file = (body: string) => {
    const path = join(home, 'config.json');
    writeFileSync(path, body);
    return path;
  };
  const problemsOf = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return error.problems.map((p) => `${p.code} ${p.path}: ${p.message}`);
    }
    throw new Error('expected a ConfigError');
  };

  it('reads the file, lets the environment override it, and fills defaults', () => {
    const configPath = file(
      JSON.stringify({ bucket: 'qlib-data', region: 'cn-hangzhou', parallel: 8, policy: { inf: 'null' } }),
    );
    const settings = loadSettings({ configPath, env: { QLIB_SYNC_PARALLEL: '2' }, home });
    expect(settings).toMatchObject({
      bucket: 'qlib-data',
      region: 'cn-hangzhou',
      endpoint: undefined,
      parallel: 2,
      retries: 5,
      journalDir: join(home, '.local', 'state', 'qlib-sync'),
      policy: { ...DEFAULT_POLICY, inf: 'null' },
    });
  });

  it('reports every invalid or missing setting at once, naming the file key and the variable', () => {
    const configPath = file(JSON.stringify({ region: 'oss-cn-hangzhou', parallel: 0, endpoint: 'ftp://x' }));
    const problems = problemsOf(() =>
      loadSettings({ configPath, env: { QLIB_SYNC_POLICY: '{"nullRatio":{"max":2}}' }, home }),
    );
    expect(problems.sort()).toEqual(
      [
        'CONFIG_MISSING bucket (OSS_BUCKET): is required: the OSS bucket batches go to',
        'CONFIG_INVALID region (OSS_REGION): must be a region id without the oss- prefix, e.g. cn-hangzhou',
        'CONFIG_INVALID endpoint (OSS_ENDPOINT): must be a http: or https:// URL',
        'CONFIG_INVALID parallel (QLIB_SYNC_PARALLEL): must be an integer in [1, 32]',
        'CONFIG_INVALID policy (QLIB_SYNC_POLICY): dataset rules are invalid: $.nullRatio.max must be within [0, 1]',
      ].sort(),
    );
  });

  it('refuses unknown keys, repeated keys and a file that is not a JSON object', () => {
    const unknown = file(JSON.stringify({ bucket: 'b', colour: 'blue' }));
    expect(problemsOf(() => loadSettings({ configPath: unknown, env: {}, home }))).toEqual([
      expect.stringMatching(/^CONFIG_UNKNOWN .*config\.json: colour: unknown key \(known: bucket, region/),
    ]);
    const repeated = file('{"bucket": "a", "region": "cn-hangzhou", "bucket": "b"}');
    expect(problemsOf(() => loadSettings({ configPath: repeated, env: {}, home }))).toEqual([
      expect.stringMatching(/^CONFIG_DUPLICATE_KEY .*config\.json: bucket: repeats a key/),
    ]);
    const list = file('[]');
    expect(problemsOf(() => loadJournalDir({ configPath: list, env: {}, home }))).toEqual([
      `CONFIG_FILE ${list}: must hold a JSON object`,
    ]);
    expect(problemsOf(() => loadJournalDir({ configPath: join(home, 'none.json'), env: {}, home }))).toEqual([
      `CONFIG_FILE ${join(home, 'none.json')}: cannot read the config file: does not exist`,
    ]);
  });

  it('reads only the journal directory when that is all a command needs', () => {
    const configPath = file(JSON.stringify({ journalDir: join(home, 'j') }));
    expect(loadJournalDir({ configPath, env: {}, home })).toBe(join(home, 'j'));
    expect(loadJournalDir({ env: { QLIB_SYNC_JOURNAL: join(home, 'k') }, home })).toBe(join(home, 'k'));
  });
});
