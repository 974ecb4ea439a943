import { execFile, execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildPayload } from '../../agent/build/batch-builder.js';
import { BinReaderPool, WarmReaders } from '../../agent/sources/bin-reader-pool.js';
import { openProviderSource, type ProviderOptions } from '../../agent/sources/provider-source.js';
import { createSeriesReader, readAheadDepth } from '../../agent/sources/series-reader.js';
import { DEFAULT_POLICY } from '../../core/quality/policy.js';
import { generateQlibDir, type QlibFixture } from '../support/qlib-fixture.js';

/** The reader threads (bin-reader-pool) must give exactly what reading in the main thread gives. */
describe('feature files read on reader threads', () => {
  let fixture: QlibFixture;
  let spool: string;
  // A fresh qlib directory per test: one test corrupts a feature file on purpose.
  beforeEach(() => {
    const root = mkdtempSync(join(tmpdir(), 'qlib-threads-'));
    fixture = generateQlibDir({ root: join(root, 'qlib'), days: 25, instruments: 300, seed: 7 });
    spool = join(root, 'spool');
    mkdirSync(spool);
  });
  afterEach(() => rmSync(join(fixture.root, '..'), { recursive: true, force: true }));

  const build = (readers: number, patch: Partial<ProviderOptions> = {}) =>
    buildPayload(
      openProviderSource({
        root: fixture.root,
        dataset: 'threads',
        fields: fixture.fields,
        selection: { market: fixture.market },
        readers,
        ...patch,
      }),
      { spoolDir: spool, policy: DEFAULT_POLICY },
    );

  it('builds a byte-identical payload with 0, 1 and 3 reader threads', async () => {
    const inline = await build(0);
    for (const readers of [1, 3]) {
      const threaded = await build(readers);
      expect(threaded.digest).toEqual(inline.digest);
      expect(threaded.rowCount).toBe(inline.rowCount);
    }
    expect(inline.rowCount).toBeGreaterThan(3000);
  });

  it('cuts a one-day window the same way (the nightly incremental push)', async () => {
    const last = fixture.calendar.at(-1) as string;
    const inline = await build(0, { start: last, end: last });
    const threaded = await build(2, { start: last, end: last });
    expect(threaded.digest).toEqual(inline.digest);
    expect(threaded.dateRange).toEqual({ start: last, end: last });
  });

  it('plans with its threads already starting and reads on them, and closes them when planning fails', async () => {
    // `readers` given: the source starts that many threads before planning and the read takes them.
    const last = fixture.calendar.at(-1) as string;
    const inline = await build(0, { start: last });
    expect((await build(2, { start: last })).digest).toEqual(inline.digest);
    // A market file that does not exist fails the planning: the threads started for it are closed, so a
    // long-running watch does not collect them; this process's thread count comes back to what it was.
    const before = threadCount();
    const open = () =>
      openProviderSource({
        root: fixture.root,
        dataset: 'threads',
        fields: fixture.fields,
        selection: { market: 'nosuchmarket' },
        readers: 3,
      });
    expect(open).toThrow(expect.objectContaining({ code: 'QLIB_MARKET_NOT_FOUND' }));
    for (let i = 0; i < 100 && threadCount() > before; i++) await sleep(50);
    expect(threadCount()).toBeLessThanOrEqual(before);
  });

  it('reports a malformed file found by a thread with its path', async () => {
    const instrument = fixture.instruments.find(
      (i) => i.missingFields.length === 0,
    ) as QlibFixture['instruments'][number];
    const path = join(fixture.root, 'features', instrument.featureDir, 'close.day.bin');
    writeFileSync(path, Buffer.alloc(7));
    await expect(build(2)).rejects.toMatchObject({
      code: 'BIN_MALFORMED',
      message: expect.stringContaining(path),
    });
  });
});

/** Threads of this process (Linux). */
function threadCount(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  return Number(/^Threads:\s+(\d+)/m.exec(status)?.[1]);
}

describe('reader threads and the life of the process', () => {
  const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
  const run = (...args: string[]) =>
    promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'test/agent/idle-readers.ts'), ...args],
      {
        cwd: ROOT,
        timeout: 45_000,
      },
    );

  it('a pending read holds the process until its answer; idle threads never hold it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'qlib-idle-'));
    try {
      const fixture = generateQlibDir({ root, days: 3, instruments: 1, seed: 3, missingFileRate: 0 });
      const dir = join(
        root,
        'features',
        (fixture.instruments[0] as QlibFixture['instruments'][number]).featureDir,
      );
      // Without the hold the process ends before the answer (exit 13: unsettled top-level await); without the
      // release it never ends (killed at the timeout): either fails here.
      const read = await run('read', dir);
      const printed = JSON.parse(read.stdout) as { shape: number[]; values: number[] };
      expect(printed.shape[0]).toBeGreaterThan(4);
      expect(printed.values).toHaveLength(3);
      // Threads started for a build that is never read do not hold the process for their 10 minutes.
      expect((await run('warm')).stdout.trim()).toBe('warm');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('warm threads are taken once, go to a reader that needs as many, and close when nobody takes them', async () => {
    const taken = new WarmReaders(['close'], 2);
    const reader = createSeriesReader(['close'], { first: 0, count: 1, calendarLength: 1 }, 0, 2, taken);
    expect(taken.take()).toBeUndefined();
    await reader.close();
    const unused = new WarmReaders(['close'], 1, 20);
    await sleep(100);
    expect(unused.take()).toBeUndefined();
    const kept = new WarmReaders(['close'], 1, 60_000);
    const pool = kept.take();
    expect(pool?.size).toBe(1);
    expect(kept.take()).toBeUndefined();
    await pool?.close();
  });

  it('a thread held up does not hold up the reads the other thread can take', async () => {
    const root = mkdtempSync(join(tmpdir(), 'qlib-stuck-'));
    const pool = new BinReaderPool(['close'], 2);
    try {
      // A FIFO in place of the first directory's file: its open blocks that thread until a writer comes.
      const stuck = join(root, 'stuck');
      const plain = join(root, 'plain');
      mkdirSync(stuck);
      mkdirSync(plain);
      execFileSync('mkfifo', [join(stuck, 'close.day.bin')]);
      writeFileSync(join(plain, 'close.day.bin'), Buffer.from(new Float32Array([0, 1.5]).buffer));
      const reads = Array.from({ length: 200 }, (_, i) => pool.read(i === 0 ? stuck : plain, 0, 1));
      for (const read of reads) read.catch(() => {}); // awaited below; a failed test closes the pool first
      // Every read but the held-up thread's own batches (the first IN_FLIGHT × BATCH = 32) completes meanwhile.
      const others = Promise.all(reads.slice(32)).then(() => 'done');
      const waited = await Promise.race([others, sleep(20_000).then(() => 'held up')]);
      closeSync(openSync(join(stuck, 'close.day.bin'), 'w')); // a writer came: the held-up open returns
      expect(waited).toBe('done');
      // The held-up read ends too (a FIFO cannot be read at an offset: an I/O error the reader reports).
      const all = await Promise.all(reads);
      expect([all[0]?.errors.length, all[199]?.values[0]]).toEqual([1, 1.5]);
    } finally {
      await pool.close();
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('reads far ahead on a short window, within a bound of waiting results on a long one', () => {
    expect(readAheadDepth(158, 1)).toBe(1024);
    expect(readAheadDepth(158, 250)).toBe(64);
    expect(readAheadDepth(158, 20)).toBe(Math.floor((8 * 1024 * 1024) / (158 * (4 * 20 + 16))));
    expect(readAheadDepth(5, 0)).toBe(1024);
  });
});
