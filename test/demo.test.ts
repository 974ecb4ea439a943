import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dropDatabase } from '../adapters/warehouse/database.js';
import { StoryChecks } from '../scripts/demo/story-checks.js';
import { serverUrl } from './support/mysql.js';

const ROOT = resolve(import.meta.dirname, '..');
const DATABASE = `t_demo_${randomBytes(4).toString('hex')}`;

/** Run `npm run demo`'s script as a person would (node + tsx), in a database of its own; its exit code and output. */
function runDemo(): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'scripts', 'demo.ts')], {
      cwd: ROOT,
      env: { ...process.env, MYSQL_URL: serverUrl(), DEMO_DATABASE: DATABASE },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('error', fail);
    child.once('exit', (code) => done({ code, output }));
  });
}

describe('npm run demo', () => {
  afterAll(async () => {
    const url = new URL(serverUrl());
    url.pathname = `/${DATABASE}`;
    await dropDatabase(url.toString());
  });

  it('tells its story and checks every claim: exit 0', async () => {
    const { code, output } = await runDemo();
    expect(output).not.toContain('✗');
    expect(code, output).toBe(0);
    expect(output).toMatch(/status page: {2}http:\/\/127\.0\.0\.1:\d+\//);
    expect(output).toMatch(/token: {8}qct_[0-9a-f]{12}_[A-Za-z0-9_-]{43}/);
    for (const line of [
      `fresh database ${DATABASE} (migrated)`,
      '✓ the calendar batch is loaded with its 20 trading days',
      '✓ the factors batch is loaded with its',
      '✓ the broken batch is rejected with DUPLICATE_KEY',
      '✓ its reason.json is in quarantine/ and names DUPLICATE_KEY',
      '✓ the row count is unchanged',
      '✓ the subscriber received exactly one error alert, DUPLICATE_KEY, for the broken batch',
      '✓ the experiments batch is loaded',
      '✓ the run summary has its IC and the config it trained with',
      '✓ its artifacts are in OSS, listed with size and SHA-256',
      '$ npm run alerts -- subscribe --queue qlib-inbox',
      '✓ at 18:00 the monitor warned once that cn_daily 2024-01-30 was not loaded',
      '✓ at 18:10, with the day loaded, the incident resolved with one message',
      '✓ the status page lists the 5 loaded batches',
      '✓ the status page shows the quarantined batch with its reason (DUPLICATE_KEY) and the fix',
      '✓ the runs leaderboard on the status page and GET /v1/runs?order_by=ic show the demo run',
      '✓ the values endpoint answers three rows and a cursor for the rest',
      '✓ the pulled close.day.bin of SH600000 equals its values in MySQL bit for bit (float32), NaN where none',
      '✓ a second pull with nothing new is up to date and writes nothing',
      'demo ok: every claim above held',
    ]) {
      expect(output).toContain(line);
    }
  }, 300_000);

  it('a claim that does not hold is printed with what was seen, and counted as a failure', () => {
    const lines: string[] = [];
    const checks = new StoryChecks((line) => lines.push(line));
    checks.check('the row count is unchanged', true, 10);
    checks.check('the broken batch is rejected with DUPLICATE_KEY', false, { status: 'loaded' });
    expect(lines).toEqual([
      '  ✓ the row count is unchanged',
      '  ✗ the broken batch is rejected with DUPLICATE_KEY: saw {"status":"loaded"}',
    ]);
    expect(checks.failures).toEqual([
      'the broken batch is rejected with DUPLICATE_KEY (saw {"status":"loaded"})',
    ]);
  });
});
