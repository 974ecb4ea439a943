import { TerminalError } from '../errors.js';
import { writeDecimal } from './decimal.js';
import { Float32Shortest } from './shortest-float32.js';

/**
 * Canonical number spellings of the payload (docs/batch-format.md):
 * - float32: the shortest decimal that round-trips through float32, i.e.
 *   `String(Number(v.toPrecision(p)))` for the smallest p in 1..9 with
 *   `Math.fround(Number(v.toPrecision(p))) === v`;
 * - float64: `String(v)`, JavaScript's shortest round trip;
 * - both: negative zero is `-0` (String(-0) would lose the sign), NaN is `\N` (NULL),
 *   ±Infinity is refused with VALUE_INFINITE: the caller applies the dataset's inf policy first;
 *   a finite double beyond the float32 range is refused with VALUE_OUT_OF_RANGE.
 */

/** Room a float32 field needs at most: `-123456789000000000000` (plain notation below 1e21) is 22 bytes. */
export const MAX_FLOAT32_BYTES = 24;
/** Room a float64 field needs at most: `-0.0000012345678901234567` is 25 bytes. */
export const MAX_FLOAT64_BYTES = 26;

const NULL_BYTES = [0x5c, 0x4e]; // \N
const scratch = Buffer.allocUnsafe(64);
const shortest = new Float32Shortest();

/** Canonical text of a float32 value (v is rounded with Math.fround first). */
export function formatFloat32(v: number): string {
  const end = writeFloat32(scratch, 0, v);
  return scratch.toString('latin1', 0, end);
}

/** Canonical text of a float64 value. */
export function formatFloat64(v: number): string {
  if (v === 0) return 1 / v < 0 ? '-0' : '0';
  if (Number.isNaN(v)) return '\\N';
  if (v === Infinity || v === -Infinity) throw infiniteError(v);
  return String(v);
}

/** Writes the canonical float32 text of `v` at `start` (room: MAX_FLOAT32_BYTES); returns the end. */
export function writeFloat32(out: Uint8Array, start: number, v: number): number {
  const x = Math.fround(v);
  if (Number.isNaN(x)) return writeNull(out, start);
  if (x === 0) return writeDecimal(out, start, 1 / x < 0, 0, 0);
  if (x === Infinity || x === -Infinity) throw Number.isFinite(v) ? outOfRangeError(v) : infiniteError(v);
  const negative = x < 0;
  shortest.compute(negative ? -x : x);
  return writeDecimal(out, start, negative, shortest.digits, shortest.exponent);
}

/** Writes the canonical float64 text of `v` at `start` (room: MAX_FLOAT64_BYTES); returns the end. */
export function writeFloat64(out: Uint8Array, start: number, v: number): number {
  if (Number.isNaN(v)) return writeNull(out, start);
  const text = formatFloat64(v);
  for (let i = 0; i < text.length; i++) out[start + i] = text.charCodeAt(i);
  return start + text.length;
}

/** Writes `\N`, the NULL marker of the payload. */
export function writeNull(out: Uint8Array, start: number): number {
  out[start] = NULL_BYTES[0]!;
  out[start + 1] = NULL_BYTES[1]!;
  return start + 2;
}

function infiniteError(v: number): TerminalError {
  return new TerminalError(
    'VALUE_INFINITE',
    `cannot write ${v}: infinities are not part of the payload (apply the dataset's inf policy first)`,
  );
}

function outOfRangeError(v: number): TerminalError {
  return new TerminalError(
    'VALUE_OUT_OF_RANGE',
    `cannot write ${v} as float32: outside ±3.4028234663852886e38`,
  );
}
