import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { DigestRequest, WindowRead } from './bin-window.mjs';

interface Pending {
  resolve: (read: WindowRead) => void;
  reject: (error: Error) => void;
}

/**
 * Threads that read a calendar window of feature files (bin-reader-worker.mjs → bin-window.mjs). Jobs go
 * round-robin; each job's result comes back as one message with its arrays transferred, not copied.
 * Closing the pool ends the threads.
 */
export class BinReaderPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, Pending>();
  private next = 0;

  /** `fields`: the lower-case field names every job reads. */
  constructor(fields: readonly string[], size = defaultReaders()) {
    const url = new URL('./bin-reader-worker.mjs', import.meta.url);
    this.workers = Array.from({ length: size }, () => {
      // A reader allocates little on its own heap (the values are external and leave with each reply), so a
      // small young generation keeps each thread's footprint small.
      const worker = new Worker(url, {
        workerData: { fields },
        resourceLimits: { maxYoungGenerationSizeMb: 4 },
      });
      worker.on('message', (m: { id: number; read: WindowRead }) =>
        this.settle(m.id, (p) => p.resolve(m.read)),
      );
      worker.on('error', (error) => this.failAll(error));
      return worker;
    });
  }

  /**
   * Read calendar indices [first, first + count) of the fields in `dir` (undefined: none) on one thread,
   * and with `track` the files' digests (bin-digest.mjs).
   */
  read(dir: string | undefined, first: number, count: number, track?: DigestRequest): Promise<WindowRead> {
    const id = this.next++;
    const worker = this.workers[id % this.workers.length] as Worker;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, dir, first, count, track });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.failAll(new Error('the bin reader pool was closed'));
  }

  private settle(id: number, act: (p: Pending) => void): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    act(p);
  }

  private failAll(error: Error): void {
    for (const id of [...this.pending.keys()]) this.settle(id, (p) => p.reject(error));
  }
}

/** One reader per core, at most four: past that the file system, not the threads, is the limit. */
export function defaultReaders(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}
