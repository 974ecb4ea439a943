import { closeSync, fstatSync, fsyncSync, ftruncateSync, linkSync, openSync, writeSync } from 'node:fs';

/**
 * The few file operations a pull makes, each durable before it returns (fsync): a new file in the generation
 * being built, an append in place to a file the committed generation shares (invisible to qlib until the new
 * calendar is committed: qlib reads a file by calendar index), and a hard link of an unchanged file.
 */
export function writeNew(path: string, bytes: Buffer): void {
  const fd = openSync(path, 'wx');
  try {
    writeAll(fd, bytes, 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Cut the file to `keep` bytes (a tail an interrupted pull appended), then write `bytes` at that point. */
export function appendAt(path: string, keep: number, bytes: Buffer): void {
  const fd = openSync(path, 'r+');
  try {
    if (fstatSync(fd).size !== keep) ftruncateSync(fd, keep);
    writeAll(fd, bytes, keep);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Cut an uncommitted tail off (the file is otherwise unchanged), then link it into the new generation. */
export function linkTrimmed(from: string, to: string, keep: number): void {
  const fd = openSync(from, 'r+');
  try {
    if (fstatSync(fd).size > keep) {
      ftruncateSync(fd, keep);
      fsyncSync(fd);
    }
  } finally {
    closeSync(fd);
  }
  linkSync(from, to);
}

/** fsync a directory: its new entries (files, links, renames) survive a crash. */
export function fsyncDir(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Buffer, position: number): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}
