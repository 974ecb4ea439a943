import { execFile } from 'node:child_process';
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sBinary } from '../../scripts/deploy/s-cli.js';
import { DEPLOY_USAGE, deployCommand, missingDeploySettings } from '../../scripts/deploy.js';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/** Run a command in the repository the way a person would, with a throw-away HOME (s writes ~/.s). */
async function sh(cmd: string, args: string[], env: Record<string, string> = {}) {
  const base = { PATH: process.env.PATH ?? '', HOME: home, npm_config_offline: 'true', ...env };
  try {
    const { stdout, stderr } = await run(cmd, args, { cwd: ROOT, env: base, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'deploy-home-'));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('npm run deploy', () => {
  it('-- --help prints what it does, then Serverless Devs’ own help, offline', async () => {
    const { code, stdout } = await sh('npm', ['run', '--silent', 'deploy', '--', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain(DEPLOY_USAGE);
    expect(stdout).toContain('Welcome to the Serverless Devs');
    expect(stdout).toMatch(/Usage: s \[options\] \[command\]/);
  });

  it('names every missing setting at once and never starts s without them', async () => {
    const { code, stderr } = await sh('npm', ['run', '--silent', 'deploy', '--', '--plan'], {
      OSS_BUCKET: 'b',
    });
    expect(code).toBe(2);
    expect(stderr).toContain(
      's.yaml needs these settings in the environment: FC_ROLE_ARN, MYSQL_URL, SECURITY_GROUP_ID, VPC_ID, VSWITCH_ID',
    );
  });

  it('maps --plan to s plan and passes every other option to s', () => {
    expect(deployCommand([])).toEqual({ help: false, sArgs: ['deploy'] });
    expect(deployCommand(['-y', '-a', 'prod'])).toEqual({
      help: false,
      sArgs: ['deploy', '-y', '-a', 'prod'],
    });
    expect(deployCommand(['--plan'])).toEqual({ help: false, sArgs: ['plan'] });
    expect(deployCommand(['-h'])).toEqual({ help: true });
    expect(
      missingDeploySettings("a: ${env('A')}\nb: ${env('B', 'x')}\nc: ${env(\"C\")}", { C: 'set' }),
    ).toEqual(['A']);
  });

  it('builds the function bundles before s deploy uploads them (s.yaml pre-deploy action)', async () => {
    const sYaml = await readFile(join(ROOT, 's.yaml'), 'utf8');
    expect(sYaml).toMatch(/\nactions:\n {2}pre-deploy:\n {4}- run: npm run build:functions\n/);
    const scripts = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).scripts as Record<
      string,
      string
    >;
    expect(scripts['build:functions']).toBe('tsx scripts/build-functions.ts');
    expect(scripts.deploy).toBe('tsx scripts/deploy.ts');
  });
});

describe('the s the docs name', () => {
  it('is Serverless Devs’ s, the devDependency, wherever the docs call it', async () => {
    const docs = await readFile(join(ROOT, 'docs/deploy.md'), 'utf8');
    const calls = [...docs.matchAll(/^[ \t]*(?:\$ )?((?:npx )?s) [a-z-]+/gm)].map((m) => m[1]);
    expect(calls.length).toBeGreaterThan(0);
    // A bare `s` would be whatever is first on the PATH; every call goes through npx (or npm run deploy).
    expect(new Set(calls)).toEqual(new Set(['npx s']));
    const version = await sh('npx', ['--no-install', 's', '-v']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^@serverless-devs\/s: 3\.1\.10,/m);
    const bin = await realpath(join(ROOT, 'node_modules/.bin/s'));
    expect(bin).toBe(await realpath(sBinary()));
    expect(bin).toContain(join('node_modules', '@serverless-devs', 's'));
  });
});
