// A feature-file reader thread (agent/sources/bin-reader-pool.ts). Building a batch opens one small file per
// (instrument, field) and is bound by those syscalls, not by bytes, so threads reading side by side finish
// sooner than one. A job names one instrument directory; the fields come once, with the thread. Its two
// result arrays are transferred, not copied.
import { parentPort, workerData } from 'node:worker_threads';
import { readWindows } from './bin-window.mjs';

const { fields } = workerData;

parentPort.on('message', ({ id, dir, first, count, track }) => {
  const read = readWindows(dir, fields, first, count, track);
  const transfer = [read.shape.buffer, read.values.buffer];
  if (read.digests !== undefined) transfer.push(read.digests.buffer);
  parentPort.postMessage({ id, read }, transfer);
});
