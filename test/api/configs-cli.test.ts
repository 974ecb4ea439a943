import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EXIT } from '../../agent/exit-codes.js';
import { sha256Hex } from '../../core/digest.js';
import { runCliCaptured } from '../agent/agent-harness.js';
import { config, experiment, linesBatch, newRunId, run } from '../experiments/lines-builder.js';
import { type ApiEnvironment, startApi } from './api-harness.js';

const YAML = [
  'qlib_init:',
  '  provider_uri: ~/.qlib/qlib_data/cn_data',
  '  region: cn',
  'task:',
  '  model:',
  '    class: LGBModel',
  '    module_path: qlib.contrib.model.gbdt',
  '    kwargs: {learning_rate: 0.0421, num_leaves: 210}',
  '',
].join('\n');
const HASH = sha256Hex(YAML);
const PARAMS_YAML = 'task:\n  model:\n    class: LGBModel\n';

/**
 * `qlib-sync configs list|get` as a training node runs it: the agent in-process against the API the local FC
 * runtime serves, with a token and nothing else (no database, no OSS credentials).
 */
describe('qlib-sync configs: model configs read back through the API', () => {
  let api: ApiEnvironment;
  let home: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    api = await startApi('configs_cli');
    home = mkdtempSync(join(tmpdir(), 'configs-cli-'));
    env = { QLIB_SYNC_API_URL: api.base, QLIB_SYNC_API_TOKEN: await api.token(['read:data'], 'node1') };
    const batch = linesBatch('trainer1', [
      experiment('1'),
      config(YAML, { name: 'workflow_config_lightgbm_Alpha158.yaml' }),
      config(PARAMS_YAML, { name: 'params-only', source: 'params' }),
      run(newRunId(), '1', { configHash: HASH }),
    ]);
    expect(await api.push(batch)).toMatchObject({ status: 'loaded' });
  });

  afterAll(async () => {
    await api?.close();
    rmSync(home, { recursive: true, force: true });
  });

  const cli = (args: string[], extra: Record<string, string> = {}) =>
    runCliCaptured(args, { env: { ...env, ...extra }, home });

  it('lists the configs, and writes the one asked for byte for byte (by name, by hash prefix, --out, --json)', async () => {
    const list = await cli(['configs', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).configs).toContainEqual(
      expect.objectContaining({ hash: HASH, name: 'workflow_config_lightgbm_Alpha158.yaml', runs: 1 }),
    );
    const human = await cli(['configs', 'list']);
    expect(human.stdout).toContain(HASH.slice(0, 12));
    expect(human.stdout).toContain('LGBModel');

    const byName = await cli(['configs', 'get', 'workflow_config_lightgbm_Alpha158.yaml']);
    expect(byName.code, byName.stderr).toBe(0);
    expect(byName.stdout).toBe(YAML);

    const out = join(home, 'lgb.yaml');
    const byHash = await cli(['configs', 'get', HASH.slice(0, 8), '--out', out, '--json']);
    expect(byHash.code, byHash.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(YAML);
    expect(JSON.parse(byHash.stdout)).toMatchObject({ hash: HASH, modelClass: 'LGBModel', out });

    // The token from a file (mode 600), the URL from a flag.
    const file = join(home, 'token');
    writeFileSync(file, `${env.QLIB_SYNC_API_TOKEN}\n`);
    chmodSync(file, 0o600);
    const fromFile = await runCliCaptured(
      ['configs', 'get', HASH, '--api-url', api.base, '--token-file', file],
      {
        env: {},
        home,
      },
    );
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(fromFile.stdout).toBe(YAML);

    // This machine's data directory: only qlib_init.provider_uri changes.
    const here = await cli(['configs', 'get', HASH, '--provider-uri', '/data/qlib/pulled']);
    expect(here.code, here.stderr).toBe(0);
    expect(parse(here.stdout)).toEqual(parse(YAML.replace('~/.qlib/qlib_data/cn_data', '/data/qlib/pulled')));
    expect(here.stdout).toContain('provider_uri: /data/qlib/pulled');
    // A config rebuilt from params names no data directory: it must be given.
    const noInit = await cli(['configs', 'get', 'params-only']);
    expect(noInit.code).toBe(EXIT.usage);
    expect(noInit.stderr).toContain('--provider-uri');
    const given = await cli(['configs', 'get', 'params-only', '--provider-uri', '/data/q', '--region', 'cn']);
    expect(given.code, given.stderr).toBe(0);
    expect(given.stdout).toContain('provider_uri: /data/q');
    expect(given.stdout).toContain('class: LGBModel');
  });

  it('says what is wrong with an exit code: no such config, no token, a revoked token, a token without read:data, no API', async () => {
    const missing = await cli(['configs', 'get', 'nope.yaml']);
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.stderr).toContain('no model config has the hash or name nope.yaml');

    const noToken = await cli(['configs', 'list'], { QLIB_SYNC_API_TOKEN: '' });
    expect(noToken.code).toBe(EXIT.config);
    expect(noToken.stderr).toContain('QLIB_SYNC_API_TOKEN');

    const bad = await cli(['configs', 'list', '--json'], { QLIB_SYNC_API_TOKEN: 'qct_nope' });
    expect(bad.code).toBe(EXIT.config);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, exitCode: EXIT.config });

    const status = await api.token(['read:status'], 'desk');
    const scope = await cli(['configs', 'list'], { QLIB_SYNC_API_TOKEN: status });
    expect(scope.code).toBe(EXIT.config);
    expect(scope.stderr).toContain('read:data');

    const noUrl = await cli(['configs', 'list'], { QLIB_SYNC_API_URL: '' });
    expect(noUrl.code).toBe(EXIT.config);
    expect(noUrl.stderr).toContain('--api-url');

    const down = await cli(['configs', 'list'], { QLIB_SYNC_API_URL: 'http://127.0.0.1:9' });
    expect(down.code).toBe(EXIT.unavailable);

    const usage = await cli(['configs', 'get']);
    expect(usage.code).toBe(EXIT.usage);
  });
});
