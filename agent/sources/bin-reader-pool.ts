import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** What a reader thread hands back per path: the bytes, null for "no such file", or an I/O error. */
export type FileRead = Uint8Array | null | { code: string; message: string };

interface Pending {
  resolve: (results: FileRead[]) => void;
  reject: (error: Error) => void;
}

/**
 * Threads that read whole files (bin-reader-worker.mjs). Jobs go round-robin; each job's results come back
 * as one message with the buffers transferred, not copied. Closing the pool ends the threads.
 */
export class BinReaderPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, Pending>();
  private next = 0;

  constructor(size = defaultReaders()) {
    const url = new URL('./bin-reader-worker.mjs', import.meta.url);
    this.workers = Array.from({ length: size }, () => {
      const worker = new Worker(url);
      worker.on('message', (m: { id: number; results: FileRead[] }) =>
        this.settle(m.id, (p) => p.resolve(m.results)),
      );
      worker.on('error', (error) => this.failAll(error));
      return worker;
    });
  }

  /** Read every path (null: skip) on one thread. */
  read(paths: (string | null)[]): Promise<FileRead[]> {
    const id = this.next++;
    const worker = this.workers[id % this.workers.length] as Worker;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, paths });
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
