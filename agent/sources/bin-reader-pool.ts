import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { DigestRequest, WindowRead } from './bin-window.mjs';

interface Pending {
  resolve: (read: WindowRead) => void;
  reject: (error: Error) => void;
}

interface Job {
  id: number;
  dir: string | undefined;
  first: number;
  count: number;
  track: DigestRequest | undefined;
}

/** Jobs per message at most: few enough that a thread is never idle long, many enough to pay the message. */
const BATCH = 16;
/** Batches a thread has at once: it starts the next while its answer to the last one is being read. */
const IN_FLIGHT = 2;

/**
 * Threads that read a calendar window of feature files (bin-reader-worker.mjs → bin-window.mjs). Jobs wait
 * in one queue, in order; a thread is given a batch of up to BATCH consecutive jobs whenever it has fewer than
 * IN_FLIGHT batches (a message costs about as much as a few files: a daily build reads 5000 directories), so
 * a thread that reads faster — its files in the page cache, say — takes more of them instead of waiting on
 * the slower one. Each batch comes back as one message with its arrays transferred, not copied. Closing the
 * pool ends the threads.
 */
export class BinReaderPool {
  private readonly workers: Worker[];
  /** Batches each thread has not answered yet. */
  private readonly inFlight: number[];
  private readonly pending = new Map<number, Pending>();
  private queued: Job[] = [];
  private next = 0;
  private held = false;

  /** `fields`: the lower-case field names every job reads. */
  constructor(fields: readonly string[], size = defaultReaders()) {
    const url = new URL('./bin-reader-worker.mjs', import.meta.url);
    this.inFlight = Array.from({ length: size }, () => 0);
    this.workers = Array.from({ length: size }, (_, w) => {
      // A reader allocates little on its own heap (the values are external and leave with each reply), so a
      // small young generation keeps each thread's footprint small.
      const worker = new Worker(url, {
        workerData: { fields },
        resourceLimits: { maxYoungGenerationSizeMb: 4 },
      });
      worker.on('message', (m: { reads: { id: number; read: WindowRead }[] }) => {
        this.inFlight[w] = (this.inFlight[w] as number) - 1;
        this.dispatch();
        for (const { id, read } of m.reads) this.settle(id, (p) => p.resolve(read));
      });
      worker.on('error', (error) => this.failAll(error));
      // Idle threads do not keep the process alive; they are held only while reads are pending (hold()).
      worker.unref();
      return worker;
    });
  }

  get size(): number {
    return this.workers.length;
  }

  /**
   * Read calendar indices [first, first + count) of the fields in `dir` (undefined: none) on one thread,
   * and with `track` the files' digests (bin-digest.mjs).
   */
  read(dir: string | undefined, first: number, count: number, track?: DigestRequest): Promise<WindowRead> {
    const id = this.next++;
    this.hold(true);
    if (this.queued.length === 0) queueMicrotask(() => this.dispatch());
    this.queued.push({ id, dir, first, count, track });
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.failAll(new Error('the bin reader pool was closed'));
  }

  /** Give each thread batches from the front of the queue until it has IN_FLIGHT of them (or none are left). */
  private dispatch(): void {
    for (let w = 0; this.queued.length > 0 && w < this.workers.length; w++) {
      while (this.queued.length > 0 && (this.inFlight[w] as number) < IN_FLIGHT) {
        const jobs = this.queued.splice(0, BATCH);
        this.inFlight[w] = (this.inFlight[w] as number) + 1;
        (this.workers[w] as Worker).postMessage({ jobs });
      }
    }
  }

  private settle(id: number, act: (p: Pending) => void): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    if (this.pending.size === 0) this.hold(false);
    act(p);
  }

  private hold(held: boolean): void {
    if (held === this.held) return;
    this.held = held;
    for (const worker of this.workers) {
      if (held) worker.ref();
      else worker.unref();
    }
  }

  private failAll(error: Error): void {
    this.queued = [];
    for (const id of [...this.pending.keys()]) this.settle(id, (p) => p.reject(error));
  }
}

/** One reader per core, at most four: past that the file system, not the threads, is the limit. */
export function defaultReaders(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/** Files below which a build reads in its own thread (starting threads costs more than they save). */
const THREADED_FILES = 20_000;

/** Reader threads for `files` feature files: `readers` when given, else none for few files, else defaultReaders. */
export function readerThreads(files: number, readers?: number): number {
  return readers ?? (files >= THREADED_FILES ? defaultReaders() : 0);
}

/**
 * Reader threads started before the first read is known (they take ~70 ms to come up: a build plans its
 * instruments meanwhile), handed to the first reader that takes them. Threads nobody takes within `unusedMs`
 * (a source opened and never read) are closed; idle, they never keep the process alive.
 */
export class WarmReaders {
  private pool: BinReaderPool | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(fields: readonly string[], size: number, unusedMs = 30_000) {
    this.pool = new BinReaderPool(fields, size);
    this.timer = setTimeout(() => void this.take()?.close(), unusedMs).unref();
  }

  /** The threads, once; undefined after. */
  take(): BinReaderPool | undefined {
    clearTimeout(this.timer);
    const pool = this.pool;
    this.pool = undefined;
    return pool;
  }
}
