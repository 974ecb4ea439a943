import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLock } from '../../agent/journal/lock.js';
import { collect } from './agent-harness.js';

const ROOT = resolve(import.meta.dirname, '../..');
/** A pid no process has (above Linux's pid_max). */
const DEAD_PID = 99_999_999;

describe('the journal lock', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'journal-lock-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('two processes racing for it: never both hold it, and the loser is told who has it', async () => {
    const rounds = 20;
    const root = join(dir, 'race');
    for (let round = 0; round < rounds; round++) mkdirSync(join(root, `round-${round}`), { recursive: true });
    const log = join(dir, 'race.log');
    writeFileSync(log, '');
    // Both start the first round at the same moment, well after the slower one has loaded.
    const first = Date.now() + 6000;
    const args = [
      join(ROOT, 'test/agent/lock-racer.ts'),
      root,
      String(rounds),
      String(first),
      '250',
      '60',
      log,
    ];
    const racers = [0, 1].map(() =>
      collect(
        spawn(process.execPath, ['--import', 'tsx', ...args], {
          cwd: ROOT,
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      ),
    );
    for (const run of await Promise.all(racers)) expect(run, run.stderr).toMatchObject({ code: 0 });
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2 * rounds);
    let contested = 0;
    for (let round = 0; round < rounds; round++) {
      const mine = lines.map((l) => l.split(' ')).filter((f) => f[0] === String(round));
      const held = mine.filter((f) => f[1] === 'held');
      expect(held.length, `round ${round}: ${JSON.stringify(mine)}`).toBeGreaterThanOrEqual(1);
      for (const f of held) expect(f[5], `round ${round}: the lock file named another process`).toBe('true');
      if (held.length === 2) {
        // Both held it one after the other: allowed only when the intervals do not overlap.
        const [a, b] = held.map((f) => [BigInt(f[3] as string), BigInt(f[4] as string)] as const);
        expect(a![1] < b![0] || b![1] < a![0], `round ${round}: both held the lock at once`).toBe(true);
      } else {
        contested += 1;
        expect(mine.find((f) => f[1] === 'busy')?.[3]).toBe('JOURNAL_LOCKED');
      }
      expect(readdirSync(join(root, `round-${round}`))).toEqual([]);
    }
    expect(contested).toBeGreaterThan(0); // the processes did race for it
  });

  it('takes over the lock of a process that is gone, and leaves no temp file behind', () => {
    const journal = join(dir, 'stale');
    mkdirSync(journal);
    writeFileSync(join(journal, 'lock'), String(DEAD_PID));
    const release = acquireLock(journal);
    expect(readFileSync(join(journal, 'lock'), 'utf8')).toBe(String(process.pid));
    expect(readdirSync(journal)).toEqual(['lock']);
    release();
    expect(existsSync(join(journal, 'lock'))).toBe(false);
  });
});
