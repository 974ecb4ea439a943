import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { acquireLock } from '../../agent/journal/lock.js';

/**
 * One of the processes journal-lock.test.ts races. Once loaded it says so (`<root>/ready.<pid>`) and waits
 * for `<root>/go`, which holds the first round's start time (epoch ms). For each round it waits for the
 * round's start (a busy wait, so every racer leaves it within microseconds of the others), then for
 * `length` ms tries to take the lock of that round's journal again and again — each failure at once another
 * try, so a racer is always looking when another one creates the lock. While it holds the lock it logs when
 * it entered and left (process.hrtime: CLOCK_MONOTONIC, one clock for every process) and whether the lock
 * file named it throughout; per round it logs how many tries found the lock busy, and with what code.
 * argv: <root> <rounds> <ms between rounds> <round length ms> <hold ms> <log file>
 */
const [root, rounds, every, length, hold, log] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
];
writeFileSync(join(root, `ready.${process.pid}`), '');
let first = Number.NaN;
while (Number.isNaN(first)) first = Number(readText(join(root, 'go')) || Number.NaN);
const lines: string[] = [];
for (let round = 0; round < Number(rounds); round++) {
  const startAt = first + round * Number(every);
  while (Date.now() < startAt) {
    // spin: a timer would add milliseconds of jitter between the racers
  }
  const dir = join(root, `round-${round}`);
  const codes = new Map<string, number>();
  while (Date.now() < startAt + Number(length)) {
    let release: () => void;
    try {
      release = acquireLock(dir);
    } catch (error) {
      const code = String((error as { code?: string }).code);
      codes.set(code, (codes.get(code) ?? 0) + 1);
      continue;
    }
    const entered = process.hrtime.bigint();
    const until = Date.now() + Number(hold);
    let held = true;
    while (Date.now() < until) held &&= lockFile(dir) === String(process.pid);
    const left = process.hrtime.bigint();
    release();
    lines.push(`${round} held ${process.pid} ${entered} ${left} ${held}`);
  }
  for (const [code, n] of codes) lines.push(`${round} busy ${process.pid} ${code} ${n}`);
}
appendFileSync(log, `${lines.join('\n')}\n`);

function lockFile(dir: string): string {
  return readText(join(dir, 'lock')); // '' when removed by another holder
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
