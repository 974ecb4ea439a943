import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * What a new user does on a fresh checkout, for real: `npm ci` (which runs `prepare`: the build), then the
 * commands the docs give. The checkout is a copy of the tracked files; npm takes packages from its cache
 * when it has them (--prefer-offline) and from the registry otherwise.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'fresh-install-'));
const checkout = join(work, 'qlib-cloud-sync');
const npmCache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

async function sh(cmd: string, args: string[]) {
  const env = { PATH: process.env.PATH ?? '', HOME: join(work, 'home'), npm_config_cache: npmCache };
  try {
    const { stdout, stderr } = await run(cmd, args, {
      cwd: checkout,
      env,
      timeout: 480_000,
      maxBuffer: 64 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('a fresh checkout', () => {
  it('after npm ci: npx qlib-sync --help works, and npm run deploy -- --help reaches Serverless Devs’ help', {
    timeout: 600_000,
  }, async () => {
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
      .split('\0')
      .filter(Boolean);
    for (const file of files) {
      mkdirSync(dirname(join(checkout, file)), { recursive: true });
      cpSync(join(ROOT, file), join(checkout, file));
    }
    mkdirSync(join(work, 'home'));
    const ci = await sh('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund']);
    expect(ci.code, ci.stderr.slice(-2000)).toBe(0);

    const help = await sh('npx', ['--no-install', 'qlib-sync', '--help']);
    expect(help.code, help.stderr.slice(-2000)).toBe(0);
    expect(help.stdout).toMatch(/^Usage: qlib-sync \[options\] \[command\]/);
    expect(help.stdout).toMatch(/push/);

    const deploy = await sh('npm', ['run', '--silent', 'deploy', '--', '--help']);
    expect(deploy.code, deploy.stderr.slice(-2000)).toBe(0);
    expect(deploy.stdout).toContain('Usage: npm run deploy');
    expect(deploy.stdout).toContain('Welcome to the Serverless Devs');
  });
});
