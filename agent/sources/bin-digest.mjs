// CRC-32 digests of what a feature file holds for a range of calendar indices, for the journal's record of
// what was sent (agent/sent/): a file that only grew keeps the digest of its old part, a file rewritten
// before the point already sent (qlib's dump_fix) does not. Read from the same open descriptor as the
// window (bin-window.mjs), with a buffer of its own. Plain JS: reader threads load it anywhere.
import { readSync } from 'node:fs';
import * as zlib from 'node:zlib';

const CHUNK = 64 * 1024;
const chunk = Buffer.allocUnsafeSlow(CHUNK);

/** zlib's CRC-32 (Node ≥ 20.15); the same polynomial in JS on older Node 20, so digests agree. */
const crc32 = zlib.crc32 ?? jsCrc32;

/**
 * For one open file (`head`: its first `got` bytes already read; `start`: its start index; `values`: how
 * many it holds): the CRC-32 of the bytes of calendar indices [from, oldEnd] and [from, newEnd], each cut
 * to the file's span (0 for an empty range), written to digests[2i] and digests[2i + 1].
 */
export function digestInto(fd, head, got, start, values, track, i, digests) {
  const lo = Math.max(track.from, start);
  const last = start + values - 1;
  const oldEnd = Math.min(track.oldEnds[i], last);
  const newEnd = Math.min(track.newEnd, last);
  const range = (a, b, seed) =>
    a > b ? seed : crcOf(fd, head, got, 4 + 4 * (a - start), 4 * (b - a + 1), seed);
  if (newEnd >= oldEnd) {
    const old = range(lo, oldEnd, 0);
    digests[2 * i] = old;
    digests[2 * i + 1] = range(Math.max(lo, oldEnd + 1), newEnd, old);
  } else {
    const fresh = range(lo, newEnd, 0);
    digests[2 * i + 1] = fresh;
    digests[2 * i] = range(Math.max(lo, newEnd + 1), oldEnd, fresh);
  }
}

/** CRC-32 of `length` bytes at `offset`: from the head already read where it reaches, else read on. */
function crcOf(fd, head, got, offset, length, seed) {
  let crc = seed;
  let at = offset;
  const end = offset + length;
  if (at < got) {
    const upto = Math.min(end, got);
    crc = crc32(head.subarray(at, upto), crc);
    at = upto;
  }
  while (at < end) {
    const n = readSync(fd, chunk, 0, Math.min(CHUNK, end - at), at);
    if (n === 0) break;
    crc = crc32(chunk.subarray(0, n), crc);
    at += n;
  }
  return crc;
}

let table;
function jsCrc32(bytes, seed = 0) {
  if (table === undefined) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = (seed ^ 0xffffffff) >>> 0;
  for (let k = 0; k < bytes.length; k++) crc = (table[(crc ^ bytes[k]) & 0xff] ^ (crc >>> 8)) >>> 0;
  return (crc ^ 0xffffffff) >>> 0;
}

/** For tests: the fallback agrees with zlib. */
export { jsCrc32 };
