import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TerminalError } from '../../core/errors.js';

/** A lock file without a pid this old (an older qlib-sync killed while writing it) is stale. */
const UNREADABLE_STALE_MS = 10_000;

/**
 * One agent at a time writes a journal (a cron `push` and a `watch` daemon may overlap): `lock` holds the
 * pid of the holder. Taking it is atomic: the pid goes into a temp file first, which is then hard-linked
 * to `lock` — link(2) fails with EEXIST when the lock exists, so the lock never exists without its pid (a
 * create-then-write lock lets a second process read it empty, take it for stale and hold it too). A lock
 * whose holder is gone (kill -9, power cut) is removed under a second lock of the same kind
 * (`lock.takeover`), after reading it again: a live lock can only appear where none is, so the stale one
 * read under the take-over lock is the one removed.
 */
export function acquireLock(dir: string): () => void {
  const path = join(dir, 'lock');
  const mine = tempWithPid(dir);
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      if (tryLink(mine, path)) return () => release(path);
      const seen = readSafe(path);
      if (seen === undefined) continue; // released meanwhile: try again
      const holder = Number(seen);
      if (isLiveHolder(holder)) throw lockedError(dir, holder);
      if (!isPid(holder) && !isOld(path)) throw lockedError(dir, undefined);
      removeStale(dir, path, seen);
    }
  } finally {
    rmSync(mine, { force: true });
  }
  throw new TerminalError('JOURNAL_LOCKED', `could not take the journal lock ${path}; try again`);
}

/** Remove `path` if it still holds `seen` (a dead holder's pid), under the take-over lock. */
function removeStale(dir: string, path: string, seen: string): void {
  const guard = join(dir, 'lock.takeover');
  const mine = tempWithPid(dir);
  try {
    if (!tryLink(mine, guard)) {
      // Another process is taking the stale lock over; a take-over lock whose holder died is itself stale.
      const other = Number(readSafe(guard));
      if (!isLiveHolder(other) && (isPid(other) || isOld(guard))) rmSync(guard, { force: true });
      return;
    }
    try {
      if (readSafe(path) === seen) rmSync(path, { force: true });
    } finally {
      rmSync(guard, { force: true });
    }
  } finally {
    rmSync(mine, { force: true });
  }
}

/** A temp file in `dir` holding this process's pid, to be hard-linked into place. */
function tempWithPid(dir: string): string {
  const temp = join(dir, `.lock.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  writeFileSync(temp, String(process.pid), { mode: 0o600 });
  return temp;
}

function tryLink(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  }
}

function lockedError(dir: string, holder: number | undefined): TerminalError {
  const who = holder === undefined ? 'another qlib-sync' : `another qlib-sync (pid ${holder})`;
  return new TerminalError(
    'JOURNAL_LOCKED',
    `${who} is using the journal ${dir}; wait for it or stop it`,
    holder === undefined ? {} : { details: { pid: holder } },
  );
}

/** The pid holding the lock, when it is alive. */
export function lockHolder(dir: string): number | undefined {
  const holder = Number(readSafe(join(dir, 'lock')));
  return isLiveHolder(holder) ? holder : undefined;
}

function isPid(n: number): boolean {
  return Number.isInteger(n) && n > 0;
}

/** A live process other than this one (this one's own lock, left by a command that threw, is stale). */
function isLiveHolder(n: number): boolean {
  return isPid(n) && n !== process.pid && isAlive(n);
}

function isOld(path: string): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs > UNREADABLE_STALE_MS;
  } catch {
    return false;
  }
}

/** Whether a process exists (EPERM: it exists but belongs to someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function release(path: string): void {
  if (readSafe(path) === String(process.pid)) rmSync(path, { force: true });
}

/** The file's text, or undefined when it does not exist. */
function readSafe(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}
