import { join } from 'node:path';
import { TerminalError } from '../../core/errors.js';
import { checkShapes, type SeriesWindow } from './bin-file.js';
import { BinReaderPool, readerThreads, WarmReaders } from './bin-reader-pool.js';
import { type DigestRequest, readWindows, type WindowRead } from './bin-window.mjs';
import { type IndexRange, mergeRanges } from './index-ranges.js';

/**
 * One instrument's requested fields as read: the window's values field by field (NaN where a file has none)
 * and each file's span. A daily build reads thousands of instruments × 158 fields, so nothing here is made
 * per field unless asked for: rows are copied straight out of the window (`copyRow`), and the per-field spans
 * only the record of what was sent needs are made on first use.
 */
export class InstrumentRead {
  private spanList: ([number, number] | undefined)[] | undefined;

  constructor(
    private readonly read: WindowRead,
    private readonly window: SeriesWindow,
  ) {}

  /** With a digest request: per field the CRC-32 of [from, oldEnd] and of [from, newEnd] (bin-digest.mjs). */
  get digests(): Float64Array | undefined {
    return this.read.digests;
  }

  /** Whether field `c` has a file. */
  has(c: number): boolean {
    return (this.read.shape[2 * c] as number) >= 0;
  }

  /** Whether any requested field has a file. */
  hasAnyFile(): boolean {
    for (let c = 0; 2 * c < this.read.shape.length; c++) if (this.has(c)) return true;
    return false;
  }

  /** Per field the file's whole span as calendar indices [start, start + n - 1]; undefined: no file. */
  get spans(): ([number, number] | undefined)[] {
    this.spanList ??= Array.from({ length: this.read.shape.length / 2 }, (_, c) => this.span(c));
    return this.spanList;
  }

  /** The calendar indices inside the window where some field has a value slot, merged. */
  coverage(): IndexRange[] {
    const { first, count } = this.window;
    const spans: IndexRange[] = [];
    for (let c = 0; 2 * c < this.read.shape.length; c++) {
      const span = this.span(c);
      if (span === undefined) continue;
      const from = Math.max(span[0], first);
      const to = Math.min(span[1], first + count - 1);
      if (from <= to) spans.push([from, to]);
    }
    return mergeRanges(spans);
  }

  /** Field `c`'s file span [start, start + n - 1] (its size is [n + 1] float32s); undefined: no file. */
  private span(c: number): [number, number] | undefined {
    const size = this.read.shape[2 * c] as number;
    const start = this.read.shape[2 * c + 1] as number;
    return size < 0 ? undefined : [start, start + size / 4 - 2];
  }

  /** Copy the fields' values at calendar index `day` (inside the window) into `out` from `at`. */
  copyRow(day: number, out: Float32Array, at: number): void {
    const { first, count } = this.window;
    const width = this.read.shape.length / 2;
    const values = this.read.values;
    for (let c = 0, k = day - first; c < width; c++, k += count) out[at + c] = values[k] as number;
  }
}

/** Reads the requested fields of one instrument directory. */
export interface SeriesReader {
  read(dir: string | undefined, track?: DigestRequest): Promise<InstrumentRead>;
  close(): Promise<void>;
}

/**
 * A reader of `window` for `files` feature files: in this thread when there are few, else on reader
 * threads (the build is bound by one open/read/close per file, so threads side by side finish sooner).
 * `readers` forces a thread count; 0 reads in this thread. Both run the same bin-window.mjs. Every file's
 * shape is checked (bin-file.ts): a malformed one is a TerminalError naming its path. `warm`: threads for
 * the same fields started earlier (bin-reader-pool.ts WarmReaders), used when their count is the one needed.
 */
export function createSeriesReader(
  fields: string[],
  window: SeriesWindow,
  files: number,
  readers?: number,
  warm?: WarmReaders,
): SeriesReader {
  const names = fileFields(fields);
  const threads = readerThreads(files, readers);
  const started = warm?.take();
  const pool =
    threads === 0 ? undefined : started?.size === threads ? started : new BinReaderPool(names, threads);
  if (started !== undefined && started !== pool) void started.close();
  const { first, count } = window;
  const readDir = (dir: string | undefined, track?: DigestRequest): Promise<WindowRead> =>
    pool
      ? pool.read(dir, first, count, track)
      : Promise.resolve(readWindows(dir, names, first, count, track));
  return {
    read: async (dir, track) => {
      const read = await readDir(dir, track);
      const path = (i: number) => join(dir ?? '', new Map(read.renamed).get(i) ?? `${names[i]}.day.bin`);
      const failed = read.errors[0];
      if (failed !== undefined) {
        throw new TerminalError(
          'BIN_UNREADABLE',
          `cannot read qlib feature file ${path(failed.index)}: ${failed.message}`,
          { details: { path: path(failed.index), code: failed.code } },
        );
      }
      checkShapes(read, window, path);
      return new InstrumentRead(read, window);
    },
    close: async () => pool?.close(),
  };
}

/**
 * Reader threads for `files` feature files of `fields`, started now for a createSeriesReader made later (it
 * takes them): none when the files are few (readerThreads).
 */
export function startReaders(fields: string[], files: number, readers?: number): WarmReaders | undefined {
  const threads = readerThreads(files, readers);
  return threads > 0 ? new WarmReaders(fileFields(fields), threads) : undefined;
}

/** Field names as qlib spells their files (lower case): what the reader threads are given. */
function fileFields(fields: string[]): string[] {
  return fields.map((field) => field.toLowerCase());
}

/**
 * How many instruments to read ahead of the one being formatted: enough that the reader threads never wait on
 * the main thread (one instrument of a daily build is ~2 ms of syscalls and a few KiB of result), within
 * READ_AHEAD_BYTES of results waiting (a 250-day window is ~160 KiB an instrument: 64 of them).
 */
export function readAheadDepth(fields: number, days: number): number {
  const bytes = fields * (4 * Math.max(1, days) + 16);
  return Math.max(64, Math.min(1024, Math.floor(READ_AHEAD_BYTES / bytes)));
}

const READ_AHEAD_BYTES = 8 * 1024 * 1024;

/**
 * Reads ahead of the consumer: `at(i)` returns item i's read, started up to `depth` items before it is
 * asked for, so reader threads stay busy while the main thread formats rows. Reads start in bulk, half the
 * depth at a time once that much has been consumed, so the reader pool can batch them (bin-reader-pool.ts).
 */
export class ReadAhead<T> {
  private readonly started = new Map<number, Promise<T>>();
  private nextStart = 0;

  constructor(
    private readonly count: number,
    private readonly depth: number,
    private readonly start: (i: number) => Promise<T>,
  ) {}

  at(i: number): Promise<T> {
    const refill = this.nextStart <= i + Math.ceil(this.depth / 2);
    while (refill && this.nextStart < this.count && this.nextStart <= i + this.depth) {
      const k = this.nextStart++;
      const p = this.start(k);
      p.catch(() => {}); // observed when awaited in order; do not crash the process on an early failure
      this.started.set(k, p);
    }
    const p = this.started.get(i) ?? this.start(i);
    this.started.delete(i);
    return p;
  }
}
