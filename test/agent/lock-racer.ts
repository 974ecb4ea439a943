import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { acquireLock } from '../../agent/journal/lock.js';

/**
 * One of the processes journal-lock.test.ts races: for each round it waits for the round's start time (a
 * busy wait, so both processes leave it within microseconds of each other), tries to take the lock of that
 * round's journal and, while holding it, logs when it entered and left (process.hrtime: CLOCK_MONOTONIC,
 * one clock for every process) and whether the lock file still named it.
 * argv: <root> <rounds> <first start, epoch ms> <ms between rounds> <hold ms> <log file>
 */
const [root, rounds, first, every, hold, log] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
];
const record = (line: string) => appendFileSync(log, `${line}\n`);
for (let round = 0; round < Number(rounds); round++) {
  const startAt = Number(first) + round * Number(every);
  while (Date.now() < startAt) {
    // spin: a timer would add milliseconds of jitter between the racers
  }
  const dir = join(root, `round-${round}`);
  let release: () => void;
  try {
    release = acquireLock(dir);
  } catch (error) {
    record(`${round} busy ${process.pid} ${(error as { code?: string }).code}`);
    continue;
  }
  const entered = process.hrtime.bigint();
  const until = Date.now() + Number(hold);
  let held = true;
  while (Date.now() < until) held &&= lockFile(dir) === String(process.pid);
  const left = process.hrtime.bigint();
  release();
  record(`${round} held ${process.pid} ${entered} ${left} ${held}`);
}

function lockFile(dir: string): string {
  try {
    return readFileSync(join(dir, 'lock'), 'utf8');
  } catch {
    return ''; // removed by another holder
  }
}
