import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Serverless Devs' `s`, always this project's devDependency @serverless-devs/s (its package.json `bin.s`), never
 * whatever `npx s` would fetch when it is missing (an unrelated npm package is called `s`).
 */
export function sBinary(): string {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve('@serverless-devs/s/package.json');
  const manifest = require(manifestPath) as { name: string; bin: { s: string } };
  if (manifest.name !== '@serverless-devs/s') throw new Error(`${manifestPath} is not @serverless-devs/s`);
  return join(dirname(manifestPath), manifest.bin.s);
}

export interface SRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `s <args>` with captured output (or inherited stdio when `inherit`). */
export function runS(
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; inherit?: boolean },
): Promise<SRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [sBinary(), ...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: options.inherit ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/**
 * s.yaml exactly as `s` resolves it (`s preview -o json`: ${env}, ${vars}, ${config} and the rest), offline.
 * `s` reads `${config('AccountID')}` from a credential alias, so a throw-away HOME gets a placeholder one.
 */
export async function previewSYaml(
  root: string,
  env: Record<string, string>,
  accountId: string,
): Promise<unknown> {
  const home = await mkdtemp(join(tmpdir(), 's-home-'));
  try {
    const base = { PATH: process.env.PATH ?? '', HOME: home, ...env };
    const add = await runS(
      [
        'config',
        'add',
        '-a',
        'default',
        '-f',
        '--AccessKeyID',
        'LTAIplaceholder',
        '--AccessKeySecret',
        'placeholder',
        '--AccountID',
        accountId,
      ],
      { cwd: root, env: base },
    );
    if (add.code !== 0) throw new Error(`s config add failed: ${add.stderr || add.stdout}`);
    const preview = await runS(['preview', '-o', 'json'], { cwd: root, env: base });
    const start = preview.stdout.indexOf('{');
    if (preview.code !== 0 || start < 0)
      throw new Error(`s preview failed: ${preview.stdout}${preview.stderr}`);
    return JSON.parse(preview.stdout.slice(start)) as unknown;
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
