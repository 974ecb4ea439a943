// A feature-file reader thread (agent/sources/bin-reader-pool.ts). Building a batch from a qlib directory
// opens one small file per (instrument, field) — 790k for 5000 × 158 — and is bound by those syscalls, not
// by bytes, so a few threads reading side by side finish sooner than one. Plain JS: it must load the same
// way under tsx, vitest and the compiled CLI.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

/** The whole file in a fresh buffer, or the error code (ENOENT is a missing field: NULL, not a fault). */
function readWhole(path) {
  let fd;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const bytes = new Uint8Array(size);
    let n = 0;
    while (n < size) {
      const got = readSync(fd, bytes, n, size - n, n);
      if (got === 0) break;
      n += got;
    }
    return n === size ? bytes : bytes.subarray(0, n);
  } catch (error) {
    return { code: error.code ?? 'EIO', message: error.message };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

parentPort.on('message', ({ id, paths }) => {
  const results = paths.map((path) => (path === null ? null : readWhole(path)));
  const transfer = results.filter((r) => r instanceof Uint8Array).map((r) => r.buffer);
  parentPort.postMessage({ id, results }, transfer);
});
