import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { TerminalError } from '../../core/errors.js';

/**
 * One agent at a time writes a journal (a cron `push` and a `watch` daemon may overlap): `lock` holds the
 * pid of the holder. A lock whose process is gone (kill -9, power cut) is taken over.
 */
export function acquireLock(dir: string): () => void {
  const path = join(dir, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => release(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readSafe(path));
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new TerminalError(
          'JOURNAL_LOCKED',
          `another qlib-sync (pid ${holder}) is using the journal ${dir}; wait for it or stop it`,
          { details: { pid: holder } },
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new TerminalError('JOURNAL_LOCKED', `could not take the journal lock ${path}`);
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
