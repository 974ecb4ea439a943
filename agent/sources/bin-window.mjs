// Reads one calendar window of an instrument's qlib feature files (microsoft/qlib scripts/dump_bin.py: little-endian
// float32, element 0 the start index into the calendar, then the values for calendar[start …]). A batch
// build opens one file per (instrument, field) — 790k for 5000 × 158 — so the cost is syscalls, not bytes:
// per file one open, one read into a reused buffer and one close (a second read only for a window past
// that first read), and one output array per instrument instead of a buffer per file. Memory
// follows the window, not the length of the history. Checking each file's shape (size, start index) is the
// caller's (bin-file.ts checkBinShape). With `track` it also digests what each file holds up to the point
// already sent (bin-digest.mjs), from the same open descriptor. Plain JS: reader threads (bin-reader-worker.mjs) load it under tsx,
// vitest and the compiled CLI alike.
import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { digestInto } from './bin-digest.mjs';

const SCRATCH_BYTES = 64 * 1024;
const LITTLE_ENDIAN = endianness() === 'LE';
/** Each file's first read, and the same bytes as float32 (read in place on a little-endian machine). */
const head = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
const headFloats = new Float32Array(head.buffer, head.byteOffset, SCRATCH_BYTES / 4);
/** A window past the first read (grown as needed). */
let wide = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
/** Per list of fields, their file names as qlib spells them (made once, not per file). */
const fileNames = new WeakMap();

/**
 * For each field (lower-case) of the instrument directory `dir` (undefined: none), the file's byte size
 * and start index in `shape` ([size, start] pairs; size -1 when there is no file) and its values for
 * calendar indices [first, first + count) in `values` (count per field, NaN where it has none).
 * qlib names field files `<field>.day.bin` in lower case; another spelling is found by listing the
 * directory, and listed in `renamed` as [index, file name]. I/O errors other than ENOENT are listed in
 * `errors`. (Few small objects besides the two arrays: the result crosses threads once per instrument.)
 */
export function readWindows(dir, fields, first, count, track) {
  const shape = new Float64Array(fields.length * 2).fill(-1);
  const values = new Float32Array(fields.length * count).fill(Number.NaN);
  const digests = track === undefined ? undefined : new Float64Array(fields.length * 2);
  const renamed = [];
  const errors = [];
  let listing;
  let names = fileNames.get(fields);
  if (names === undefined) {
    names = fields.map((field) => `${field}.day.bin`);
    fileNames.set(fields, names);
  }
  const prefix = `${dir}/`;
  for (let i = 0; dir !== undefined && i < fields.length; i++) {
    let name = names[i];
    try {
      let fd = tryOpen(prefix + name);
      if (fd === undefined) {
        listing ??= listDir(dir);
        name = listing.get(name);
        if (name === undefined) continue;
        fd = openSync(`${dir}/${name}`, 'r');
        renamed.push([i, name]);
      }
      readOne(fd, i, first, count, shape, values, track, digests);
    } catch (error) {
      shape[2 * i] = -1;
      if (error.code !== 'ENOENT')
        errors.push({ index: i, code: error.code ?? 'EIO', message: error.message });
    }
  }
  return { shape, values, renamed, errors, digests };
}

/** An open descriptor, or undefined when the file does not exist under this exact name. */
function tryOpen(path) {
  try {
    return openSync(path, 'r');
  } catch (error) {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Field file names of a directory by their lower-case spelling (`CLOSE.day.bin` under `close.day.bin`). */
function listDir(dir) {
  const names = new Map();
  try {
    for (const name of readdirSync(dir)) {
      const lower = name.toLowerCase();
      if (lower.endsWith('.day.bin') && !names.has(lower)) names.set(lower, name);
    }
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  return names;
}

/** Read the window of one open file into `values` (and its digests with `track`); closes the descriptor. */
function readOne(fd, i, first, count, shape, values, track, digests) {
  try {
    // A regular file returns what it holds in one read; only a file that fills the head needs its size.
    const got = readSync(fd, head, 0, SCRATCH_BYTES, 0);
    const size = got < SCRATCH_BYTES ? got : fstatSync(fd).size;
    shape[2 * i] = size;
    if (size < 4 || size % 4 !== 0) return;
    const start = LITTLE_ENDIAN ? headFloats[0] : head.readFloatLE(0);
    shape[2 * i + 1] = start;
    if (!Number.isInteger(start) || start < 0) return;
    if (track !== undefined) digestInto(fd, head, got, start, size / 4 - 1, track, i, digests);
    const from = Math.max(start, first);
    const to = Math.min(start + size / 4 - 1, first + count);
    if (from >= to) return;
    const offset = 4 + 4 * (from - start);
    const length = 4 * (to - from);
    const at = i * count + (from - first);
    if (offset + length > got) copyFloats(readRange(fd, offset, length), values, at);
    else if (LITTLE_ENDIAN)
      for (let k = 0, j = offset / 4; k < to - from; k++, j++) values[at + k] = headFloats[j];
    else copyFloats(head.subarray(offset, offset + length), values, at);
  } finally {
    closeSync(fd);
  }
}

/** A byte range past the first read. */
function readRange(fd, offset, length) {
  if (wide.length < length) wide = Buffer.allocUnsafeSlow(length);
  let n = 0;
  while (n < length) {
    const got = readSync(fd, wide, n, length - n, offset + n);
    if (got === 0) break;
    n += got;
  }
  return wide.subarray(0, n - (n % 4));
}

function copyFloats(bytes, values, at) {
  if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) {
    values.set(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4), at);
    return;
  }
  for (let k = 0; k < bytes.length / 4; k++) values[at + k] = bytes.readFloatLE(4 * k);
}
