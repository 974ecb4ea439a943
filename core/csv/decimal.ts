/**
 * Decimal numbers as (digits, exponent) pairs: value = digits × 10^exponent, digits an integer with no
 * trailing zeros. Shared by the float formatters (which produce them) and the parser (which compares a
 * field with them to decide whether it is already canonical).
 */

/**
 * A fresh table of the exact powers of ten 10^0 … 10^22 (the largest a double holds exactly). Each hot
 * module keeps its own copy: reading a module-local constant in a tight loop is measurably cheaper than
 * reading an imported binding (bench/codec.ts).
 */
export function powersOfTen(): Float64Array {
  return Float64Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
}

const POW10 = powersOfTen();

/** Decimal digit count of a positive integer below 10^22. */
export function digitCount(n: number): number {
  let count = 1;
  while (count < 22 && n >= POW10[count]!) count++;
  return count;
}

/**
 * Writes `(negative ? '-' : '') + digits × 10^exponent` the way JavaScript's Number::toString spells it
 * (ECMA-262 §6.1.6.1.20): plain notation for 1e-6 <= |v| < 1e21, otherwise `d[.ddd]e±x`.
 * `digits` must be a non-negative integer below 2^53 without trailing zeros (0 is written `0`).
 * Returns the position after the last byte written; the caller guarantees 32 bytes of room.
 * https://tc39.es/ecma262/#sec-numeric-types-number-tostring
 */
export function writeDecimal(
  out: Uint8Array,
  start: number,
  negative: boolean,
  digits: number,
  exponent: number,
): number {
  let pos = start;
  if (negative) out[pos++] = 0x2d;
  if (digits === 0) {
    out[pos] = 0x30;
    return pos + 1;
  }
  const k = digitCount(digits);
  const n = exponent + k; // position of the decimal point relative to the first digit
  if (k <= n && n <= 21) {
    pos = writeDigits(out, pos, digits, k);
    for (let i = k; i < n; i++) out[pos++] = 0x30;
    return pos;
  }
  if (0 < n && n <= 21) {
    writeDigits(out, pos + 1, digits, k); // leaves room for the point, then shifts the integer part
    for (let i = 0; i < n; i++) out[pos + i] = out[pos + i + 1]!;
    out[pos + n] = 0x2e;
    return pos + k + 1;
  }
  if (-6 < n && n <= 0) {
    out[pos++] = 0x30;
    out[pos++] = 0x2e;
    for (let i = n; i < 0; i++) out[pos++] = 0x30;
    return writeDigits(out, pos, digits, k);
  }
  return writeExponentForm(out, pos, digits, k, n - 1);
}

function writeExponentForm(out: Uint8Array, start: number, digits: number, k: number, e: number): number {
  let pos = start;
  if (k === 1) {
    out[pos++] = 0x30 + digits;
  } else {
    writeDigits(out, pos + 1, digits, k);
    out[pos] = out[pos + 1]!;
    out[pos + 1] = 0x2e;
    pos += k + 1;
  }
  out[pos++] = 0x65;
  out[pos++] = e < 0 ? 0x2d : 0x2b;
  const magnitude = e < 0 ? -e : e;
  return writeDigits(out, pos, magnitude, digitCount(magnitude));
}

/** Writes the `k` decimal digits of the integer `value` at `start`; returns the end position. */
export function writeDigits(out: Uint8Array, start: number, value: number, k: number): number {
  let rest = value;
  let i = start + k - 1;
  for (; rest >= 0x80000000; i--) {
    const next = Math.floor(rest / 10);
    out[i] = 0x30 + (rest - next * 10);
    rest = next;
  }
  // Small integer arithmetic once the rest fits 31 bits: a float32's nine digits always do.
  for (; i >= start; i--) {
    const next = (rest / 10) | 0;
    out[i] = 0x30 + (rest - next * 10);
    rest = next;
  }
  return start + k;
}
