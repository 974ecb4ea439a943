// A feature-file reader thread (agent/sources/bin-reader-pool.ts). Building a batch opens one small file per
// (instrument, field) and is bound by those syscalls, not by bytes, so threads reading side by side finish
// sooner than one. A job names one instrument directory; the fields come once, with the thread. Jobs come in
// batches, one message per batch and one reply with every job's result arrays transferred, not copied: a
// message costs about as much as reading a few files, and a daily build reads thousands of directories.
import { parentPort, workerData } from 'node:worker_threads';
import { readWindows } from './bin-window.mjs';

const { fields } = workerData;

parentPort.on('message', ({ jobs }) => {
  const reads = [];
  const transfer = [];
  for (const { id, dir, first, count, track } of jobs) {
    const read = readWindows(dir, fields, first, count, track);
    transfer.push(read.shape.buffer, read.values.buffer);
    if (read.digests !== undefined) transfer.push(read.digests.buffer);
    reads.push({ id, read });
  }
  parentPort.postMessage({ reads }, transfer);
});
