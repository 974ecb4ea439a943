import { describe, expect, it } from 'vitest';
import { formatFloat32, formatFloat64 } from '../../core/csv/index.js';
import { TerminalError } from '../../core/errors.js';

/**
 * The contract's definition, verbatim (docs/batch-format.md), plus the one documented refinement:
 * negative zero keeps its sign (`String(-0)` alone would print `0`).
 */
function referenceFloat32(v: number): string {
  if (Number.isNaN(v)) return '\\N';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  for (let p = 1; p <= 9; p++) {
    const text = v.toPrecision(p);
    if (Math.fround(Number(text)) === v) return String(Number(text));
  }
  throw new Error(`no round trip for ${v}`);
}

/** Deterministic xorshift32, so a failure names a reproducible bit pattern. */
function bits(seed: number): () => number {
  let s = seed;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const fromBits = (b: number): number => {
  u32[0] = b;
  return f32[0]!;
};

const FLT_MAX = fromBits(0x7f7fffff);
const FLT_MIN = fromBits(0x00800000);
const SPECIALS = [
  0,
  -0,
  1,
  -1,
  FLT_MAX,
  -FLT_MAX,
  FLT_MIN,
  fromBits(0x007fffff), // largest subnormal
  fromBits(1), // smallest subnormal
  Math.fround(0.1),
  Math.fround(1e-7),
  Math.fround(123456789),
  Math.fround(1e21),
  Math.fround(1.5e21),
  Math.fround(9.999999e20),
  Math.fround(1e-6),
  Math.fround(0.3),
  16777216,
  16777217,
  0.5,
  2.5,
  0.125,
  1e10,
  3e10,
  ...Array.from({ length: 277 }, (_, i) => 2 ** (i - 149)), // every power of two
  ...Array.from({ length: 77 }, (_, i) => Math.fround(10 ** (i - 45))), // every power of ten
];

describe('formatFloat32', () => {
  it('matches the reference definition on special values', () => {
    for (const v of SPECIALS) {
      const x = Math.fround(v);
      expect(formatFloat32(x), `value ${x}`).toBe(referenceFloat32(x));
      expect(formatFloat32(-x), `value ${-x}`).toBe(referenceFloat32(-x));
    }
  });

  it('matches the reference definition on 1M random float32 bit patterns', () => {
    const next = bits(0x9e3779b9);
    const mismatches: string[] = [];
    for (let i = 0; i < 1_000_000; i++) {
      const b = next();
      const v = fromBits(b);
      if (!Number.isFinite(v)) continue;
      const got = formatFloat32(v);
      if (got !== referenceFloat32(v))
        mismatches.push(`0x${b.toString(16)}: ${got} vs ${referenceFloat32(v)}`);
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
  });

  it('matches on realistic factor values (normal × 10^k), where the fast path must hold', () => {
    const next = bits(12345);
    const uniform = () => (next() + 1) / 2 ** 32;
    const mismatches: string[] = [];
    for (let i = 0; i < 200_000; i++) {
      const g = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
      const v = Math.fround(g * 10 ** ((next() % 12) - 6));
      if (formatFloat32(v) !== referenceFloat32(v)) mismatches.push(`${v}`);
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
  });

  it('spells JavaScript notation: exponent below 1e-6 and from 1e21', () => {
    expect(formatFloat32(Math.fround(1e-7))).toBe('1e-7');
    expect(formatFloat32(Math.fround(0.000001))).toBe('0.000001');
    expect(formatFloat32(Math.fround(1.5e21))).toBe('1.5e+21');
    expect(formatFloat32(Math.fround(1e20))).toBe('100000000000000000000');
    expect(formatFloat32(Math.fround(0.1))).toBe('0.1');
    expect(formatFloat32(Math.fround(123456789))).toBe('123456790');
    expect(formatFloat32(FLT_MAX)).toBe('3.4028235e+38');
    expect(formatFloat32(fromBits(1))).toBe('1e-45');
    expect(formatFloat32(-0)).toBe('-0');
    expect(formatFloat32(0.1)).toBe('0.1'); // a double is rounded to float32 first
  });

  it('writes NaN as \\N and refuses infinities with VALUE_INFINITE', () => {
    expect(formatFloat32(Number.NaN)).toBe('\\N');
    for (const v of [Infinity, -Infinity]) {
      expect(() => formatFloat32(v)).toThrow(TerminalError);
      expect(() => formatFloat32(v)).toThrow(expect.objectContaining({ code: 'VALUE_INFINITE' }));
    }
    expect(() => formatFloat32(-1e39)).toThrow(expect.objectContaining({ code: 'VALUE_OUT_OF_RANGE' }));
  });
});

describe('formatFloat64', () => {
  it('is String(v), keeping the sign of zero', () => {
    for (const v of [0.1, 1 / 3, 1e21, 1e-7, 123456789012345680000, 5e-324, Number.MAX_VALUE, -2.5]) {
      expect(formatFloat64(v)).toBe(String(v));
    }
    expect(formatFloat64(-0)).toBe('-0');
    expect(formatFloat64(0)).toBe('0');
  });

  it('writes NaN as \\N and refuses infinities with VALUE_INFINITE', () => {
    expect(formatFloat64(Number.NaN)).toBe('\\N');
    expect(() => formatFloat64(-Infinity)).toThrow(expect.objectContaining({ code: 'VALUE_INFINITE' }));
  });
});
