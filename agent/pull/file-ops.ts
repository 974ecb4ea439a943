import { closeSync, fstatSync, fsyncSync, ftruncateSync, linkSync, openSync, writeSync } from 'node:fs';

/**
 * The few file operations a pull makes, each durable before the commit: a new file in the generation being
 * built, an append in place to a file the committed generation shares (invisible to qlib until the new calendar
 * is committed: qlib reads a file by calendar index), and a hard link of an unchanged file. Each is fsynced at
 * once, or, given `later`, noted there and fsynced with the others just before the commit: after the first of
 * those fsyncs has committed the file system's journal most files are clean, so tens of thousands of small files
 * cost far fewer journal commits than one fsync after each write.
 */
export class PendingSyncs {
  private readonly paths = new Set<string>();

  add(path: string): void {
    this.paths.add(path);
  }

  /** fsync every noted file (any of its names: the data is the inode's). */
  flush(): void {
    for (const path of this.paths) {
      const fd = openSync(path, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    this.paths.clear();
  }
}

export function writeNew(path: string, bytes: Buffer, later?: PendingSyncs): void {
  const fd = openSync(path, 'wx');
  try {
    writeAll(fd, bytes, 0);
    if (later === undefined) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  later?.add(path);
}

/** Cut the file to `keep` bytes (a tail an interrupted pull appended), then write `bytes` at that point. */
export function appendAt(path: string, keep: number, bytes: Buffer, later?: PendingSyncs): void {
  const fd = openSync(path, 'r+');
  try {
    if (fstatSync(fd).size !== keep) ftruncateSync(fd, keep);
    writeAll(fd, bytes, keep);
    if (later === undefined) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  later?.add(path);
}

/** Cut an uncommitted tail off (the file is otherwise unchanged), then link it into the new generation. */
export function linkTrimmed(from: string, to: string, keep: number, later?: PendingSyncs): void {
  const fd = openSync(from, 'r+');
  try {
    if (fstatSync(fd).size > keep) {
      ftruncateSync(fd, keep);
      if (later === undefined) fsyncSync(fd);
      else later.add(from);
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
