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

  /** Racers over `rounds` journals; with `stale`, each journal starts with the lock of a process that is gone. */
  async function race(name: string, stale: boolean): Promise<void> {
    const racers = 4;
    const rounds = 40;
    const root = join(dir, name);
    for (let round = 0; round < rounds; round++) {
      mkdirSync(join(root, `round-${round}`), { recursive: true });
      if (stale) writeFileSync(join(root, `round-${round}`, 'lock'), String(DEAD_PID));
    }
    const log = join(dir, `${name}.log`);
    writeFileSync(log, '');
    // Every racer tries for 100 ms each round, holding the lock 2 ms each time it gets it. All start the
    // first round at the same moment, once every one of them has loaded.
    const args = [join(ROOT, 'test/agent/lock-racer.ts'), root, String(rounds), '150', '100', '2', log];
    const runs = Array.from({ length: racers }, () =>
      collect(
        spawn(process.execPath, ['--import', 'tsx', ...args], {
          cwd: ROOT,
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      ),
    );
    while (readdirSync(root).filter((n) => n.startsWith('ready.')).length < racers) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    writeFileSync(join(root, 'go'), String(Date.now() + 300));
    for (const run of await Promise.all(runs)) expect(run, run.stderr).toMatchObject({ code: 0 });
    const lines = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' '));
    let holds = 0;
    let busy = 0;
    for (let round = 0; round < rounds; round++) {
      const mine = lines.filter((f) => f[0] === String(round));
      const held = mine
        .filter((f) => f[1] === 'held')
        .map((f) => ({ from: BigInt(f[3] as string), to: BigInt(f[4] as string), kept: f[5] }))
        .sort((a, b) => (a.from < b.from ? -1 : 1));
      for (const h of held)
        expect(h.kept, `round ${round}: the lock file named another process`).toBe('true');
      for (let k = 1; k < held.length; k++) {
        expect(held[k]!.from > held[k - 1]!.to, `round ${round}: two held the lock at once`).toBe(true);
      }
      for (const f of mine.filter((f) => f[1] === 'busy')) {
        expect(f[3], `round ${round}`).toBe('JOURNAL_LOCKED');
        busy += Number(f[4]);
      }
      holds += held.length;
      // Every holder released it, and left no temp file (a dead holder's lock stays only if no racer ran).
      const left = readdirSync(join(root, `round-${round}`));
      if (stale && held.length === 0) expect(left).toEqual(['lock']);
      else expect(left).toEqual([]);
    }
    // They did race: holds, and tries that found it taken.
    expect(holds).toBeGreaterThan(0);
    expect(busy).toBeGreaterThan(0);
  }

  it('processes racing for it: never two hold it at once, and the others are told who has it', async () => {
    await race('race-fresh', false);
  });

  it("processes racing to take over a dead holder's lock: one at a time", async () => {
    await race('race-stale', true);
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
