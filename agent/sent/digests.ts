import * as zlib from 'node:zlib';
import { jsCrc32 } from '../sources/bin-digest.mjs';
import type { IndexRange } from '../sources/index-ranges.js';

const crc32 = zlib.crc32 ?? jsCrc32;

/**
 * One digest per instrument over its field files: for each field that had values sent (end ≥ 0) its
 * CRC-32 (`digests[2f + which]`: 0 the part the record covers, 1 the part it will cover) and its start
 * index, so a file realigned to another start does not pass; a field with nothing sent counts as absent.
 */
export function instrumentDigest(
  ends: readonly number[],
  spans: readonly ([number, number] | undefined)[],
  digests: Float64Array,
  which: 0 | 1,
): string {
  const parts = Buffer.alloc(8 * ends.length);
  ends.forEach((end, f) => {
    const span = spans[f];
    const present = end >= 0 && span !== undefined;
    parts.writeUInt32LE(present ? (digests[2 * f + which] as number) : 0, 8 * f);
    parts.writeInt32LE(present ? span[0] : -1, 8 * f + 4);
  });
  return crc32(parts).toString(16).padStart(8, '0');
}

/** The digest of calendar dates [0, through]: the record's indices still mean those dates. */
export function calendarDigest(calendar: readonly string[], through: number): string {
  return crc32(Buffer.from(calendar.slice(0, through + 1).join('\n')))
    .toString(16)
    .padStart(8, '0');
}

/** Index ranges in `a` and not in `b` (both sorted, merged). */
export function subtractRanges(a: readonly IndexRange[], b: readonly IndexRange[]): IndexRange[] {
  const out: IndexRange[] = [];
  for (const [start, end] of a) {
    let from = start;
    for (const [s, e] of b) {
      if (e < from || s > end) continue;
      if (s > from) out.push([from, s - 1]);
      from = Math.max(from, e + 1);
      if (from > end) break;
    }
    if (from <= end) out.push([from, end]);
  }
  return out;
}
