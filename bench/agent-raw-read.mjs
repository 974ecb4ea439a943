// The floor under any batch build from qlib's layout: open, read and close each feature file the batch
// needs, on as many threads as the build reads with, and nothing else (no parsing, no CSV, no gzip).
// bench/agent.ts times it beside the build on the same files, so the build's overhead is a ratio too.
import { closeSync, openSync, readSync } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

/** Milliseconds to read `<dir>/<field>.day.bin` for every dir and field, split over `threads` threads. */
export async function rawReadMs(dirs, fields, threads) {
  const started = performance.now();
  const slices = Array.from({ length: threads }, (_, t) => dirs.filter((_, i) => i % threads === t));
  await Promise.all(
    slices.map(
      (slice) =>
        new Promise((resolve, reject) => {
          const worker = new Worker(new URL(import.meta.url), { workerData: { dirs: slice, fields } });
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
    ),
  );
  return performance.now() - started;
}

if (!isMainThread) {
  const scratch = Buffer.allocUnsafeSlow(64 * 1024);
  let files = 0;
  for (const dir of workerData.dirs) {
    for (const field of workerData.fields) {
      try {
        const fd = openSync(`${dir}/${field}.day.bin`, 'r');
        readSync(fd, scratch, 0, scratch.length, 0);
        closeSync(fd);
        files++;
      } catch {
        // a field the instrument lacks: the build tries the open too
      }
    }
  }
  parentPort.postMessage(files);
}
