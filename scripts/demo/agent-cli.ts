import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** Run the agent through its CLI entry (agent/cli.ts under tsx), as an operator would; prints its output. */
export function runAgent(
  args: string[],
  env: Record<string, string>,
  print: (line: string) => void,
): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'agent', 'cli.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    // Off a TTY the agent reports progress as JSON lines on stderr; the demo shows its human output only.
    child.stderr.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '' && !line.startsWith('{')) print(`  agent│ ${line}`);
      }
    });
    child.once('error', fail);
    child.once('exit', (code) => {
      for (const line of stdout.split('\n')) if (line.trim() !== '') print(`  agent│ ${line}`);
      if (code === 0) done(stdout);
      else fail(new Error(`qlib-sync ${args[0]} exited with ${code}`));
    });
  });
}
