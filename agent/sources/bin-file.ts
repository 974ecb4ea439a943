import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { TerminalError } from '../../core/errors.js';

/**
 * One qlib feature file: little-endian float32, element 0 the start index into the calendar, then the
 * values for calendar[start … start+n-1] (reference/qlib.md E1: dump_bin.py _data_to_bin,
 * file_storage.py FileFeatureStorage).
 */
export interface FeatureSeries {
  start: number;
  values: Float32Array;
}

const LITTLE_ENDIAN = endianness() === 'LE';

/** Read and check a .bin; malformed files are TerminalError BIN_MALFORMED naming the path and the fault. */
export function readFeatureBin(path: string, calendarLength: number): FeatureSeries {
  return parseFeatureBin(readWhole(path), path, calendarLength, false);
}

/**
 * Check a .bin's bytes and view them as a series. `owned`: the bytes are the caller's to keep (a reader
 * thread's fresh buffer), so the values can be a view; otherwise (a shared scratch buffer) they are copied.
 */
export function parseFeatureBin(
  bytes: Uint8Array,
  path: string,
  calendarLength: number,
  owned: boolean,
): FeatureSeries {
  if (bytes.length % 4 !== 0) {
    throw malformed(path, `its size ${bytes.length} bytes is not a multiple of 4 (float32 values)`);
  }
  if (bytes.length < 4) throw malformed(path, 'it is empty (no start index)');
  const all = floats(bytes, owned);
  const start = all[0] as number;
  if (!Number.isInteger(start) || start < 0) {
    throw malformed(path, `its start index ${start} is not a non-negative integer`);
  }
  const values = all.subarray(1);
  if (start >= calendarLength) {
    throw malformed(path, `its start index ${start} is past the calendar end (${calendarLength} days)`);
  }
  if (start + values.length > calendarLength) {
    // dump_update appends bins after extending the calendar; bins past it mean a misaligned series.
    throw malformed(
      path,
      `it covers ${start + values.length - calendarLength} day(s) past the calendar end (${calendarLength} days)`,
    );
  }
  return { start, values };
}

/** Field files of one instrument directory by lower-case field name (`close` → …/close.day.bin). */
export function fieldFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(dir)) {
    if (!name.toLowerCase().endsWith('.day.bin')) continue;
    const field = name.slice(0, -'.day.bin'.length).toLowerCase();
    const lower = `${field}.day.bin`;
    if (!out.has(field) || name === lower) out.set(field, join(dir, name));
  }
  return out;
}

/**
 * The file's bytes in a shared scratch buffer (valid until the next call). A build opens one file per
 * (instrument, field) — 790k for 5000 × 158 — so open/read/close into a reused buffer, without the fstat
 * and allocation readFileSync adds, is what bounds an incremental push.
 */
let scratch = Buffer.allocUnsafe(64 * 1024);

function readWhole(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    let n = readSync(fd, scratch, 0, scratch.length, 0);
    if (n === scratch.length) {
      // Larger than the scratch buffer (over 16k days): size it and read the rest.
      const size = fstatSync(fd).size;
      const bigger = Buffer.allocUnsafe(Math.max(size, scratch.length * 2));
      scratch.copy(bigger, 0, 0, n);
      scratch = bigger;
      while (n < size) {
        const got = readSync(fd, scratch, n, size - n, n);
        if (got === 0) break;
        n += got;
      }
    }
    return scratch.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** The values as float32: a view of owned, aligned bytes; otherwise a copy. */
function floats(bytes: Uint8Array, owned: boolean): Float32Array {
  if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) {
    const view = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    return owned ? view : view.slice();
  }
  const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = data.getFloat32(i * 4, true);
  return out;
}

function malformed(path: string, why: string): TerminalError {
  return new TerminalError('BIN_MALFORMED', `malformed qlib feature file ${path}: ${why}`, {
    details: { path },
  });
}
