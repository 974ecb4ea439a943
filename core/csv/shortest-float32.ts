import { powersOfTen } from './decimal.js';

const POW10 = powersOfTen();

/**
 * The canonical float32 decimal, fast. The contract's definition (docs/batch-format.md) is: the smallest
 * p in 1..9 with `Math.fround(Number(v.toPrecision(p))) === v`. Calling toPrecision up to nine times is far
 * too slow for 100k×158 values, so this computes the same answer with double arithmetic:
 *
 * - scale |v| to S = |v|·10^(8-k) in [1e8, 1e9) (k = decimal exponent); the p-digit candidate of
 *   toPrecision is round-half-up(S / 10^(9-p)) (ECMA-262 picks the larger n on a tie);
 * - the candidate round-trips iff it lies strictly between the midpoints to the float32 neighbours
 *   (or on one, when v's significand is even: Math.fround rounds ties to even).
 *
 * For 1e-4 <= |v| < 1e9 (0 <= 8-k <= 12, where factor data lives) every quantity above is an exact double
 * (24-bit significand × 5^12 < 2^53); elsewhere scaling costs at most two roundings (<= 2.3e-7 in S units).
 * A decision within EPS of its boundary is not trusted (inexact arithmetic, or a decimal so close to a
 * midpoint that decimal→double→float32 double-rounds), exact ties in exact arithmetic aside: the reference
 * definition decides instead (about 1 in 4000 random bit patterns, none seen in factor-like data).
 * test/core/csv-float.test.ts compares the result with the definition on a million random bit patterns and
 * every power of two and of ten; a one-off run over all 2^31 positive finite float32 values (negatives
 * mirror them) found no difference.
 */

const EPS = 1e-6;
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** 2^(i - 160) for i = 0..300: the half-ulps of every float32 exponent, exact. */
const POW2: readonly number[] = Array.from({ length: 301 }, (_, i) => 2 ** (i - 160));

/**
 * Canonical digits of positive finite float32 values: after `compute(a)`, a's canonical decimal is
 * `digits × 10^exponent` (digits an integer without trailing zeros). An object with fields rather than a
 * returned pair: this runs once per value on the hot path and must not allocate.
 */
export class Float32Shortest {
  digits = 0;
  exponent = 0;

  compute(a: number): void {
    const fast = fastShortest(a);
    this.digits = fast >= 0 ? fast : referenceShortest(a);
    this.exponent = lastExponent;
  }
}

let lastExponent = 0;

function scale(x: number, j: number): number {
  if (j >= 0) {
    if (j <= 22) return x * POW10[j]!;
    const exact = x * 1e12; // a float32 times 10^12 is exact: 24 + 28 bits
    return j <= 34 ? exact * POW10[j - 12]! : exact * 1e22 * POW10[j - 34]!;
  }
  return j >= -22 ? x / POW10[-j]! : x / 1e22 / POW10[-j - 22]!;
}

/**
 * Decimal exponent per biased binary exponent b: a binade [2^(b-127), 2^(b-126)) spans a factor 2, so it
 * holds at most one power of ten, 10^(K_LOW[b]+1), kept in K_SPLIT[b] (Infinity when there is none): values
 * below it have exponent K_LOW[b], the others K_LOW[b]+1. Comparing a float32 with the double nearest a
 * power of ten is exact enough: no float32 lies between the two. The range check after scaling guards it.
 */
const K_LOW: Int16Array = Int16Array.from({ length: 255 }, (_, b) =>
  Math.floor(Math.log10(2 ** (Math.max(b, 1) - 127)) + 1e-12),
);
const K_SPLIT: Float64Array = Float64Array.from(K_LOW, (k, b) => {
  const split = Number(`1e${k + 1}`);
  return split < 2 ** (Math.max(b, 1) - 126) ? split : Number.POSITIVE_INFINITY;
});

function fastShortest(a: number): number {
  f32[0] = a;
  const bits = u32[0]!;
  const biased = bits >>> 23;
  let k = biased === 0 ? Math.floor(Math.log10(a)) : K_LOW[biased]! + (a >= K_SPLIT[biased]! ? 1 : 0);
  let s = scale(a, 8 - k);
  if (s >= 1e9) s = scale(a, 8 - ++k);
  else if (s < 1e8) s = scale(a, 8 - --k);
  const j = 8 - k;
  const exact = j >= 0 && j <= 12;
  if (!exact && (s - 1e8 < EPS || 1e9 - s < EPS)) return -1;
  // Half the gap to the float32 neighbours, in S units (exact when `exact`: 2^x·10^j, j ≤ 12).
  const up = scale(POW2[(biased === 0 ? 1 : biased) + 9]!, j);
  const sHi = s + up;
  const sLo = (bits & 0x7fffff) === 0 && biased > 1 ? s - up / 2 : s - up;
  const even = (bits & 1) === 0;
  for (let p = firstCandidateLength(sLo, sHi); p <= 9; p++) {
    const q = POW10[9 - p]!;
    const n = roundHalfUp(s, q, exact);
    if (n < 0) return -1;
    const inside = roundTrips(n * q, sLo, sHi, exact, even);
    if (inside < 0) return -1;
    if (inside === 1) return strip(n, k - p + 1);
  }
  return -1; // unreachable: nine digits always round-trip a float32
}

/**
 * Every p-digit candidate for p ≤ 6 is a multiple of 1000 in S units, and the interval is at most ~120
 * wide: when no multiple of 1000 lies within it (EPS-widened), none of p = 1..6 can round-trip.
 * This skips six checks for about 9 values in 10.
 */
function firstCandidateLength(sLo: number, sHi: number): number {
  return Math.ceil((sLo - EPS) / 1000) * 1000 > sHi + EPS ? 7 : 1;
}

/** round-half-up(s / q), or -1 when s is inexact and too close to a rounding boundary to decide. */
function roundHalfUp(s: number, q: number, exact: boolean): number {
  let n = Math.floor(s / q + 0.5);
  if (s < (n - 0.5) * q) n--;
  else if (s >= (n + 0.5) * q) n++;
  if (exact) return n;
  return s - (n - 0.5) * q > EPS && (n + 0.5) * q - s > EPS ? n : -1;
}

/** 1 when the decimal `c` (in S units) rounds back to v, 0 when not, -1 when too close to call. */
function roundTrips(c: number, sLo: number, sHi: number, exact: boolean, even: boolean): number {
  const above = c - sLo;
  const below = sHi - c;
  if (above > EPS && below > EPS) return 1;
  if (above < -EPS || below < -EPS) return 0;
  // On a midpoint exactly: the decimal parses to the midpoint itself and fround picks the even side.
  if (exact && above === 0 && below > EPS) return even ? 1 : 0;
  if (exact && below === 0 && above > EPS) return even ? 1 : 0;
  return -1;
}

function strip(digits: number, exponent: number): number {
  let n = digits;
  let e = exponent;
  while (n % 10 === 0) {
    n /= 10;
    e++;
  }
  lastExponent = e;
  return n;
}

/** The contract's definition, verbatim; only reached for the rare values the fast path cannot decide. */
function referenceShortest(a: number): number {
  for (let p = 1; p <= 9; p++) {
    const text = a.toPrecision(p);
    if (Math.fround(Number(text)) === a) return parseDecimal(text);
  }
  return parseDecimal(a.toPrecision(9));
}

function parseDecimal(text: string): number {
  const e = text.indexOf('e');
  const mantissa = e < 0 ? text : text.slice(0, e);
  const point = mantissa.indexOf('.');
  const fraction = point < 0 ? 0 : mantissa.length - point - 1;
  const digits = Number(mantissa.replace('.', ''));
  return strip(digits, (e < 0 ? 0 : Number(text.slice(e + 1))) - fraction);
}
