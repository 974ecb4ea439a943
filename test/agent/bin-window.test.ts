import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeriesWindow } from '../../agent/sources/bin-file.js';
import { readWindows } from '../../agent/sources/bin-window.mjs';
import { createSeriesReader, type InstrumentRead } from '../../agent/sources/series-reader.js';

/** A .bin as dump_bin.py writes it: float32 LE, the start index first. */
function bin(start: number, values: number[]): Buffer {
  return Buffer.from(Float32Array.from([start, ...values]).buffer);
}

const bits = (values: Float32Array) => [...new Uint32Array(Float32Array.from(values).buffer)];

/** The values of field `c` on calendar days [from, to] as the build copies them out of a read. */
function column(read: InstrumentRead, width: number, c: number, from: number, to: number): Float32Array {
  const row = new Float32Array(width);
  return Float32Array.from({ length: to - from + 1 }, (_, k) => {
    read.copyRow(from + k, row, 0);
    return row[c] as number;
  });
}

describe('reading a calendar window of feature files (bin-window.mjs)', () => {
  let dir: string;
  const long = Array.from({ length: 20_000 }, (_, i) => Math.fround(Math.sin(i) * 1000));
  beforeAll(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'bin-window-')), 'sh600000');
    mkdirSync(dir);
    writeFileSync(join(dir, 'long.day.bin'), bin(5, long)); // 80 KB: larger than the read scratch
    writeFileSync(join(dir, 'CLOSE.day.bin'), bin(100, [1.5, Number.NaN, 2.5])); // not qlib's spelling
    writeFileSync(join(dir, 'odd.day.bin'), Buffer.alloc(7));
    writeFileSync(join(dir, 'late.day.bin'), bin(30_000, [1]));
  });
  afterAll(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  const window = (first: number, count: number): SeriesWindow => ({ first, count, calendarLength: 25_000 });

  /** Read `fields` of the fixture directory over window `w` in this thread, shapes checked. */
  const readIn = (fields: string[], w: SeriesWindow) => createSeriesReader(fields, w, 0, 0).read(dir);

  it('reads only the window of a long history, bit for bit, past the first read', async () => {
    const w = window(19_990, 20);
    expect(readWindows(dir, ['long'], w.first, w.count).values.length).toBe(20);
    const read = await readIn(['long'], w);
    // The file covers calendar indices 5 … 20004: the window keeps 19990 … 20004, NaN after.
    expect(read.coverage()).toEqual([[19_990, 20_004]]);
    expect(read.spans).toEqual([[5, 20_004]]);
    expect(bits(column(read, 1, 0, 19_990, 20_004))).toEqual(bits(Float32Array.from(long.slice(19_985))));
    expect(column(read, 1, 0, 20_005, 20_009).every(Number.isNaN)).toBe(true);
  });

  it('has no coverage for a window outside the file, and no file for a missing field', async () => {
    const w = window(0, 5);
    const read = await readIn(['long', 'volume'], w);
    expect(read.coverage()).toEqual([]);
    expect([read.has(0), read.has(1), read.hasAnyFile()]).toEqual([true, false, true]);
    expect(read.spans[1]).toBeUndefined();
    expect([...readWindows(undefined, ['long'], 0, 5).shape]).toEqual([-1, -1]);
    const none = await createSeriesReader(['volume'], w, 0, 0).read(undefined);
    expect([none.hasAnyFile(), none.coverage()]).toEqual([false, []]);
  });

  it("finds a field file spelled other than qlib's lower case, NaN kept as NaN", async () => {
    const w = window(99, 5);
    expect(readWindows(dir, ['close'], w.first, w.count).renamed).toEqual([[0, 'CLOSE.day.bin']]);
    const read = await readIn(['close'], w);
    expect(read.coverage()).toEqual([[100, 102]]);
    expect([...column(read, 1, 0, 99, 103)]).toEqual([Number.NaN, 1.5, Number.NaN, 2.5, Number.NaN]);
  });

  it('copies a row across fields, each field at its own place', async () => {
    const w = window(100, 3);
    const read = await readIn(['long', 'close'], w);
    const row = new Float32Array(4).fill(-1);
    read.copyRow(101, row, 1);
    expect([...row]).toEqual([-1, Math.fround(long[96] as number), Number.NaN, -1]);
  });

  it('reports a malformed file, naming it, whatever window is read', async () => {
    const w = window(0, 1);
    await expect(readIn(['long', 'odd'], w)).rejects.toThrow(
      /odd.day.bin: its size 7 bytes is not a multiple of 4/,
    );
    await expect(readIn(['late'], w)).rejects.toThrow(
      /late.day.bin: .*start index 30000 is past the calendar end/,
    );
  });
});
