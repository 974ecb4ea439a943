import { existsSync } from 'node:fs';
import { TerminalError } from '../../core/errors.js';
import { type FeatureSeries, fieldFiles, parseFeatureBin, readFeatureBin } from './bin-file.js';
import { BinReaderPool, defaultReaders } from './bin-reader-pool.js';

/** Reads the requested fields of one instrument directory: a series per field, undefined where no file. */
export interface SeriesReader {
  read(dir: string | undefined): Promise<(FeatureSeries | undefined)[]>;
  close(): Promise<void>;
}

/**
 * A reader for `files` feature files: in this thread when there are few, else on reader threads (the
 * build is bound by one open/read/close per file, so threads side by side finish sooner). `readers`
 * forces a thread count; 0 reads in this thread.
 */
export function createSeriesReader(
  fields: string[],
  days: number,
  files: number,
  readers?: number,
): SeriesReader {
  const threads = readers ?? (files >= 20_000 ? defaultReaders() : 0);
  return threads > 0 ? poolReader(fields, days, new BinReaderPool(threads)) : inlineReader(fields, days);
}

function inlineReader(fields: string[], days: number): SeriesReader {
  return {
    read: async (dir) => {
      const paths = pathsOf(dir, fields);
      return paths.map((path) => (path === null ? undefined : readFeatureBin(path, days)));
    },
    close: async () => {},
  };
}

function poolReader(fields: string[], days: number, pool: BinReaderPool): SeriesReader {
  return {
    read: async (dir) => {
      const paths = pathsOf(dir, fields);
      const results = await pool.read(paths);
      return results.map((result, i) => {
        const path = paths[i] as string;
        if (result === null) return undefined;
        if (result instanceof Uint8Array) return parseFeatureBin(result, path, days, true);
        if (result.code === 'ENOENT') return undefined; // removed between listing and reading: a missing field
        throw new TerminalError(
          'BIN_UNREADABLE',
          `cannot read qlib feature file ${path}: ${result.message}`,
          {
            details: { path, code: result.code },
          },
        );
      });
    },
    close: () => pool.close(),
  };
}

/** The file of each field in an instrument directory (null: none), matching names case-insensitively. */
function pathsOf(dir: string | undefined, fields: string[]): (string | null)[] {
  if (dir === undefined || !existsSync(dir)) return fields.map(() => null);
  const files = fieldFiles(dir);
  return fields.map((field) => files.get(field.toLowerCase()) ?? null);
}

/**
 * Reads ahead of the consumer: `at(i)` returns item i's read, started up to `depth` items before it is
 * asked for, so reader threads stay busy while the main thread formats rows.
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
    while (this.nextStart < this.count && this.nextStart <= i + this.depth) {
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
