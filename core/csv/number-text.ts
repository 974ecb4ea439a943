import { powersOfTen } from './decimal.js';

const POW10 = powersOfTen();

/**
 * Reads a number spelled `^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$` straight from bytes, keeping what the
 * canonical-form check needs: the significant digits (value = digits × 10^exponent, no trailing zeros)
 * and the shape of the spelling. Up to 15 significant digits and a power of ten up to 10^22, one correctly
 * rounded multiplication or division gives the exact double (Clinger's fast path); anything longer goes
 * through Number(), which accepts exactly this syntax.
 * https://tc39.es/ecma262/#sec-tonumber-applied-to-the-string-type
 */
export class NumberText {
  /** The parsed value, NaN when the text is not a number. */
  value = Number.NaN;
  /** Significant digits without trailing zeros (valid when `long` is false). */
  digits = 0;
  exponent = 0;
  /** Count of significant digits in `digits`. */
  count = 0;
  /** More than 15 significant digits: `digits`/`exponent` are not kept. */
  long = false;
  // The spelling's shape: a leading '+', digits before the point, a point, digits after it, an exponent
  // part, and whether that part reads `e`, a sign, then digits without a leading zero.
  plus = false;
  intLength = 0;
  point = false;
  fractionLength = 0;
  hasExponent = false;
  plainExponent = false;

  /**
   * Reads the number that starts at `start`, going no further than `limit`: returns where it ends (the first
   * byte that cannot continue it), or -1 when no number starts there (then `value` is NaN). The caller
   * decides whether that end is the field's end.
   */
  read(buf: Uint8Array, start: number, limit: number): number {
    let pos = start;
    const sign = start < limit ? buf[pos] : 0;
    if (sign === 0x2d || sign === 0x2b) pos++;
    let digits = 0;
    let count = 0;
    let long = false;
    let pending = 0; // zeros seen after the last non-zero digit, not yet multiplied in
    let point = -1;
    const first = pos;
    for (; pos < limit; pos++) {
      const d = buf[pos]! - 0x30;
      if (d >= 0 && d <= 9) {
        if (d === 0) {
          if (count > 0) pending++;
        } else if (count + pending < 15) {
          digits = digits * POW10[pending + 1]! + d;
          count += pending + 1;
          pending = 0;
        } else {
          long = true;
        }
      } else if (d === -2 && point < 0) {
        point = pos; // '.'
      } else {
        break;
      }
    }
    this.plus = sign === 0x2b;
    this.point = point >= 0;
    this.intLength = (point >= 0 ? point : pos) - first;
    this.fractionLength = point >= 0 ? pos - point - 1 : 0;
    this.digits = digits;
    this.count = count;
    this.long = long;
    const end = this.intLength + this.fractionLength > 0 ? this.readExponent(buf, pos, limit) : -1;
    if (end < 0) {
      this.value = Number.NaN;
      return -1;
    }
    this.exponent += pending - this.fractionLength;
    this.value = this.compute(buf, start, end, sign === 0x2d);
    return end;
  }

  /**
   * True when the text read last is exactly how float-format.ts spells `digits × 10^exponent` (non-zero
   * digits without trailing zeros): same digits, and the shape of JavaScript's Number::toString — plain
   * notation for -6 < n <= 21 (n: point position), `d[.ddd]e±x` otherwise, no '+', no extra zeros.
   */
  spells(digits: number, exponent: number): boolean {
    if (this.long || digits !== this.digits || exponent !== this.exponent || this.plus) return false;
    const k = this.count;
    const n = exponent + k;
    if (-6 < n && n <= 21) {
      if (this.hasExponent) return false;
      if (n >= k) return !this.point && this.intLength === n;
      if (n > 0) return this.point && this.intLength === n && this.fractionLength === k - n;
      return this.point && this.intLength === 1 && this.fractionLength === k - n;
    }
    if (!this.hasExponent || !this.plainExponent || this.intLength !== 1) return false;
    return k === 1 ? !this.point : this.point && this.fractionLength === k - 1;
  }

  /** Reads an optional `[eE][+-]?\d+` into `exponent`; returns where it ends, -1 when malformed. */
  private readExponent(buf: Uint8Array, start: number, limit: number): number {
    this.exponent = 0;
    const e = start < limit ? buf[start] : 0;
    this.hasExponent = e === 0x65 || e === 0x45;
    if (!this.hasExponent) return start;
    let pos = start + 1;
    const sign = pos < limit ? buf[pos] : 0;
    if (sign === 0x2d || sign === 0x2b) pos++;
    const first = pos;
    this.plainExponent = e === 0x65 && pos > start + 1 && pos < limit && buf[pos] !== 0x30;
    let value = 0;
    for (; pos < limit; pos++) {
      const d = buf[pos]! - 0x30;
      if (d < 0 || d > 9) break;
      if (value < 1e6) value = value * 10 + d; // beyond this every value is 0 or infinite anyway
    }
    if (pos === first) return -1;
    this.exponent = sign === 0x2d ? -value : value;
    return pos;
  }

  private compute(buf: Uint8Array, start: number, end: number, negative: boolean): number {
    let v: number;
    const e = this.exponent;
    if (this.digits === 0 && !this.long) v = 0;
    else if (this.long || e > 22 || e < -22) return Number(latin1(buf, start, end));
    else v = e >= 0 ? this.digits * POW10[e]! : this.digits / POW10[-e]!;
    return negative ? -v : v;
  }
}

function latin1(buf: Uint8Array, start: number, end: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1');
}
