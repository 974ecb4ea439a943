import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Temp files are `.<name>.<pid>.<random>.tmp`, so a reader can skip them and a cleaner can tell whose they are. */
const TEMP = /^\.(.+)\.(\d+)\.[0-9a-f]+\.tmp$/;

/**
 * Replace `path` atomically and durably: write a temp file beside it, fsync it, rename it over the target,
 * fsync the directory. A kill -9 or a power cut leaves the old file or the new one, never a torn one; at
 * worst a temp file stays behind (see isTempFile / tempOwner).
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temp, 'w', 0o600);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(temp, path);
  fsyncDir(dirname(path));
}

/** Make a rename or unlink in `dir` durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** True for the temp files writeFileAtomic leaves behind when killed. */
export function isTempFile(name: string): boolean {
  return TEMP.test(name) || name.startsWith('.build-');
}

/** The pid that wrote a temp file, when its name says. */
export function tempOwner(name: string): number | undefined {
  const m = TEMP.exec(name) ?? /^\.build-(\d+)-/.exec(name);
  return m === null ? undefined : Number(m[2] ?? m[1]);
}
