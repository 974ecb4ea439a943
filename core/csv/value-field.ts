import { writeFloat32, writeFloat64 } from './float-format.js';
import { NumberText } from './number-text.js';
import { Float32Shortest } from './shortest-float32.js';
import type { ColumnType, InfPolicy } from './types.js';

/** Outcome of reading one value field. Below ERROR the field is accepted. */
export const FIELD_CANONICAL = 0; // a number already in canonical form, or `\N`
export const FIELD_REWRITE = 1; // accepted, but spelled otherwise (1.50, +1, NaN, inf under 'null')
export const FIELD_ERROR = 2;

const FLOAT32_MIN_NORMAL = 2 ** -126;
const FLOAT64_MIN_NORMAL = 2 ** -1022;

/**
 * Reads value fields: `\N` is NULL; `NaN`, `nan`, `NAN` are NULL (rewritten `\N`); an infinity token
 * (`[+-]?(inf|infinity)`, any case) is VALUE_INFINITE, or NULL when the policy is 'null'; a number must
 * match the contract's syntax and stay finite after rounding to its column type. After `read`, `value`
 * holds the number (NaN for NULL) and `error`/`message` the problem when the result is FIELD_ERROR.
 */
export class ValueFieldReader {
  value = Number.NaN;
  error = '';
  message = '';
  /** Set when the field was an infinity token turned NULL. */
  infinity = false;
  /** Outcome of the last readNumber(). */
  status = FIELD_CANONICAL;
  private readonly text = new NumberText();
  private readonly scratch = Buffer.allocUnsafe(64);
  private readonly shortest = new Float32Shortest();

  /**
   * `ownDigits`: a float32 number of 7-15 significant digits counts as canonical when it is the plain spelling
   * of its own digits (MysqlParseOptions): the shortest digits are not computed.
   */
  constructor(
    private readonly inf: InfPolicy,
    private readonly ownDigits = false,
  ) {}

  /** Reads the field `buf[start..end)`; returns FIELD_CANONICAL, FIELD_REWRITE or FIELD_ERROR. */
  read(buf: Uint8Array, start: number, end: number, type: ColumnType): number {
    this.infinity = false;
    this.value = Number.NaN;
    if (this.text.read(buf, start, end) !== end) return this.readToken(buf, start, end);
    return this.check(buf, start, end, type);
  }

  /**
   * Hot path: reads a number starting at `start` (not a token) and returns where it ends, or -1 when no
   * number starts there; the outcome (FIELD_*) is left in `status`.
   */
  readNumber(buf: Uint8Array, start: number, limit: number, type: ColumnType): number {
    const end = this.text.read(buf, start, limit);
    if (end >= 0) this.status = this.check(buf, start, end, type);
    return end;
  }

  private check(buf: Uint8Array, start: number, end: number, type: ColumnType): number {
    const v = type === 'float32' ? Math.fround(this.text.value) : this.text.value;
    if (v === Infinity || v === -Infinity) {
      return this.fail('VALUE_OUT_OF_RANGE', `value outside the ${type} range`);
    }
    this.value = v;
    return this.isCanonical(buf, start, end, type) ? FIELD_CANONICAL : FIELD_REWRITE;
  }

  /** A field that is not a number: `\N`, a NaN or infinity token, or a problem. */
  private readToken(buf: Uint8Array, start: number, end: number): number {
    if (start === end) return this.fail('CSV_EMPTY_FIELD', 'empty field: write \\N for NULL');
    if (end - start === 2 && buf[start] === 0x5c && buf[start + 1] === 0x4e) return FIELD_CANONICAL;
    if (isNanToken(buf, start, end)) return FIELD_REWRITE;
    if (!isInfinityToken(buf, start, end)) {
      return this.fail('CSV_BAD_NUMBER', 'not a number (expected digits, \\N, or NaN)');
    }
    if (this.inf === 'reject') {
      return this.fail('VALUE_INFINITE', 'infinite value (the dataset policy rejects infinities)');
    }
    this.infinity = true;
    return FIELD_REWRITE;
  }

  /**
   * Whether the field already is the canonical spelling of `value` (see float-format.ts). Shortcut: a
   * decimal of at most 6 (float32) or 15 (float64) significant digits is its own shortest round trip when
   * the value is normal — the FLT_DIG/DBL_DIG guarantee (IEEE 754-2019 §5.12.2) — so only its spelling needs
   * checking; otherwise the canonical digits are computed and compared, and as a last resort (more than 15
   * digits, subnormals) the canonical bytes are written and compared.
   */
  private isCanonical(buf: Uint8Array, start: number, end: number, type: ColumnType): boolean {
    const t = this.text;
    const v = this.value;
    if (v === 0) return !t.plus && !t.point && !t.hasExponent && t.intLength === 1;
    const magnitude = v < 0 ? -v : v;
    if (type === 'float32') {
      if (!t.long && (t.count <= 6 || this.ownDigits) && magnitude >= FLOAT32_MIN_NORMAL) {
        return t.spells(t.digits, t.exponent);
      }
      if (t.long) return this.sameBytes(buf, start, end, writeFloat32(this.scratch, 0, v));
      this.shortest.compute(magnitude);
      return t.spells(this.shortest.digits, this.shortest.exponent);
    }
    if (!t.long && magnitude >= FLOAT64_MIN_NORMAL) return t.spells(t.digits, t.exponent);
    return this.sameBytes(buf, start, end, writeFloat64(this.scratch, 0, v));
  }

  private sameBytes(buf: Uint8Array, start: number, end: number, length: number): boolean {
    if (length !== end - start) return false;
    for (let i = 0; i < length; i++) if (this.scratch[i] !== buf[start + i]) return false;
    return true;
  }

  private fail(code: string, message: string): number {
    this.error = code;
    this.message = message;
    return FIELD_ERROR;
  }
}

/** `NaN`, `nan` or `NAN` exactly. */
function isNanToken(buf: Uint8Array, start: number, end: number): boolean {
  if (end - start !== 3) return false;
  const a = buf[start];
  const b = buf[start + 1];
  const c = buf[start + 2];
  if (a === 0x4e && b === 0x61 && c === 0x4e) return true; // NaN
  if (a === 0x6e && b === 0x61 && c === 0x6e) return true; // nan
  return a === 0x4e && b === 0x41 && c === 0x4e; // NAN
}

const INFINITY = 'infinity';

/** `[+-]?(inf|infinity)`, any case. */
function isInfinityToken(buf: Uint8Array, start: number, end: number): boolean {
  let pos = start;
  if (buf[pos] === 0x2b || buf[pos] === 0x2d) pos++;
  const length = end - pos;
  if (length !== 3 && length !== 8) return false;
  for (let i = 0; i < length; i++) {
    if ((buf[pos + i]! | 0x20) !== INFINITY.charCodeAt(i)) return false;
  }
  return true;
}
