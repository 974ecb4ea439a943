import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SeriesWindow, seriesOf } from '../../agent/sources/bin-file.js';
import { readWindows } from '../../agent/sources/bin-window.mjs';

/** A .bin as dump_bin.py writes it: float32 LE, the start index first. */
function bin(start: number, values: number[]): Buffer {
  return Buffer.from(Float32Array.from([start, ...values]).buffer);
}

const bits = (values: Float32Array) => [...new Uint32Array(Float32Array.from(values).buffer)];

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

  it('reads only the window of a long history, bit for bit, past the first read', () => {
    const w = window(19_990, 20);
    const read = readWindows(dir, ['long'], w.first, w.count);
    const series = seriesOf(read, 0, join(dir, 'long.day.bin'), w);
    // The file covers calendar indices 5 … 20004: the window keeps 19990 … 20004.
    expect(series?.start).toBe(19_990);
    expect(bits(series?.values ?? new Float32Array())).toEqual(bits(Float32Array.from(long.slice(19_985))));
    expect(read.values.length).toBe(20);
  });

  it('gives an empty series for a window outside the file, and undefined for no file', () => {
    const w = window(0, 5);
    const read = readWindows(dir, ['long', 'volume'], w.first, w.count);
    expect(seriesOf(read, 0, 'long', w)?.values.length).toBe(0);
    expect(read.shape[2]).toBe(-1);
    expect(seriesOf(read, 1, 'volume', w)).toBeUndefined();
    expect([...readWindows(undefined, ['long'], 0, 5).shape]).toEqual([-1, -1]);
  });

  it("finds a field file spelled other than qlib's lower case, NaN kept as NaN", () => {
    const w = window(99, 5);
    const read = readWindows(dir, ['close'], w.first, w.count);
    expect(read.renamed).toEqual([[0, 'CLOSE.day.bin']]);
    const series = seriesOf(read, 0, join(dir, 'CLOSE.day.bin'), w);
    expect(series?.start).toBe(100);
    expect([...(series?.values ?? [])]).toEqual([1.5, Number.NaN, 2.5]);
  });

  it('reports a malformed file whatever window is read', () => {
    const w = window(0, 1);
    const read = readWindows(dir, ['odd', 'late'], w.first, w.count);
    expect(() => seriesOf(read, 0, 'odd.day.bin', w)).toThrow(
      /odd.day.bin: its size 7 bytes is not a multiple of 4/,
    );
    expect(() => seriesOf(read, 1, 'late.day.bin', w)).toThrow(/start index 30000 is past the calendar end/);
  });
});
