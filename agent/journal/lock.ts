import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TerminalError } from '../../core/errors.js';

/**
 * One agent at a time writes a journal (a cron `push` and a `watch` daemon may overlap): `lock` holds the
 * pid of the holder. Taking it is atomic: the pid is written to a temp file first, which is then hard-linked
 * to `lock` — link(2) fails with EEXIST when the lock exists, so the lock never exists without its pid (a
 * create-then-write lock lets a second process read it empty, take it for stale and hold it too). A lock
 * whose process is gone (kill -9, power cut) is taken over by renaming it away first: of two processes
 * taking over the same stale lock, only one rename succeeds.
 */
export function acquireLock(dir: string): () => void {
  const path = join(dir, 'lock');
  const temp = join(dir, `.lock.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  writeFileSync(temp, String(process.pid), { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(temp, path);
        return () => release(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const seen = readSafe(path);
      const holder = Number(seen);
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw lockedError(dir, holder);
      }
      takeOver(path, seen);
    }
  } finally {
    rmSync(temp, { force: true });
  }
  throw new TerminalError('JOURNAL_LOCKED', `could not take the journal lock ${path}`);
}

/** Move a stale lock (content `seen`) out of the way; a live lock moved by mistake is put back. */
function takeOver(path: string, seen: string): void {
  const moved = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    renameSync(path, moved);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // another process took it over first
    throw error;
  }
  // Between reading the lock and renaming it another process may have replaced it with a live one.
  if (readSafe(moved) !== seen) {
    try {
      linkSync(moved, path);
    } catch {
      // someone holds `lock` again: the next attempt reports it
    }
  }
  rmSync(moved, { force: true });
}

function lockedError(dir: string, holder: number): TerminalError {
  return new TerminalError(
    'JOURNAL_LOCKED',
    `another qlib-sync (pid ${holder}) is using the journal ${dir}; wait for it or stop it`,
    { details: { pid: holder } },
  );
}

/** The pid holding the lock, when it is alive. */
export function lockHolder(dir: string): number | undefined {
  const holder = Number(readSafe(join(dir, 'lock')));
  return Number.isInteger(holder) && holder > 0 && isAlive(holder) ? holder : undefined;
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

function readSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}
