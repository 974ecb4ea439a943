import { join } from 'node:path';
import { TerminalError } from '../../core/errors.js';
import { type FeatureSeries, type SeriesWindow, seriesOf } from './bin-file.js';
import { BinReaderPool, defaultReaders } from './bin-reader-pool.js';
import { type DigestRequest, readWindows, type WindowRead } from './bin-window.mjs';

/** One instrument's requested fields as read. */
export interface InstrumentRead {
  /** The window's values per field; undefined where there is no file. */
  series: (FeatureSeries | undefined)[];
  /** Per field the file's whole span as calendar indices [start, start + n - 1]; undefined: no file. */
  spans: ([number, number] | undefined)[];
  /** With a digest request: per field the CRC-32 of [from, oldEnd] and of [from, newEnd] (bin-digest.mjs). */
  digests: Float64Array | undefined;
}

/** Reads the requested fields of one instrument directory. */
export interface SeriesReader {
  read(dir: string | undefined, track?: DigestRequest): Promise<InstrumentRead>;
  close(): Promise<void>;
}

/**
 * A reader of `window` for `files` feature files: in this thread when there are few, else on reader
 * threads (the build is bound by one open/read/close per file, so threads side by side finish sooner).
 * `readers` forces a thread count; 0 reads in this thread. Both run the same bin-window.mjs.
 */
export function createSeriesReader(
  fields: string[],
  window: SeriesWindow,
  files: number,
  readers?: number,
): SeriesReader {
  const names = fields.map((field) => field.toLowerCase());
  const threads = readers ?? (files >= 20_000 ? defaultReaders() : 0);
  const pool = threads > 0 ? new BinReaderPool(names, threads) : undefined;
  const { first, count } = window;
  const readDir = (dir: string | undefined, track?: DigestRequest): Promise<WindowRead> =>
    pool
      ? pool.read(dir, first, count, track)
      : Promise.resolve(readWindows(dir, names, first, count, track));
  return {
    read: async (dir, track) => {
      const read = await readDir(dir, track);
      const renamed = new Map(read.renamed);
      const path = (i: number) => join(dir ?? '', renamed.get(i) ?? `${names[i]}.day.bin`);
      const failed = read.errors[0];
      if (failed !== undefined) {
        throw new TerminalError(
          'BIN_UNREADABLE',
          `cannot read qlib feature file ${path(failed.index)}: ${failed.message}`,
          { details: { path: path(failed.index), code: failed.code } },
        );
      }
      const series = names.map((_, i) => seriesOf(read, i, () => path(i), window));
      const spans = names.map((_, i): [number, number] | undefined => {
        const size = read.shape[2 * i] as number;
        const start = read.shape[2 * i + 1] as number;
        return size < 0 ? undefined : [start, start + size / 4 - 2];
      });
      return { series, spans, digests: read.digests };
    },
    close: async () => pool?.close(),
  };
}

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
