/**
 * CRC-64/XZ (a.k.a. CRC-64/GO-ECMA): what OSS returns as `x-oss-hash-crc64ecma`, in decimal.
 * Poly 0x42F0E1EBA9EA3693 reflected (0xC96C5795D7870F42), init and xorout all ones.
 * Slicing-by-8 over 32-bit halves: no BigInt in the loop, so it keeps up with gzip.
 */

const POLY_HI = 0xc96c5795;
const POLY_LO = 0xd7870f42;

// TABLES[k] for k = 0..7: CRC of byte i followed by k zero bytes, as [hi, lo] pairs at 2*i, 2*i+1.
const TABLES: Uint32Array[] = buildTables();

function buildTables(): Uint32Array[] {
  const t0 = new Uint32Array(512);
  for (let i = 0; i < 256; i++) {
    let hi = 0;
    let lo = i;
    for (let bit = 0; bit < 8; bit++) {
      const carry = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (carry) {
        hi = (hi ^ POLY_HI) >>> 0;
        lo = (lo ^ POLY_LO) >>> 0;
      }
    }
    t0[2 * i] = hi;
    t0[2 * i + 1] = lo;
  }
  const tables = [t0];
  for (let k = 1; k < 8; k++) {
    const prev = tables[k - 1]!;
    const next = new Uint32Array(512);
    for (let i = 0; i < 256; i++) {
      const hi = prev[2 * i]!;
      const lo = prev[2 * i + 1]!;
      const idx = lo & 0xff;
      next[2 * i] = ((hi >>> 8) ^ t0[2 * idx]!) >>> 0;
      next[2 * i + 1] = (((lo >>> 8) | (hi << 24)) ^ t0[2 * idx + 1]!) >>> 0;
    }
    tables.push(next);
  }
  return tables;
}

/** Incremental CRC-64/XZ. `update` any number of times, then `digest`. */
export class Crc64 {
  private hi = 0xffffffff;
  private lo = 0xffffffff;

  update(data: Uint8Array): this {
    const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES as [
      Uint32Array,
      Uint32Array,
      Uint32Array,
      Uint32Array,
      Uint32Array,
      Uint32Array,
      Uint32Array,
      Uint32Array,
    ];
    let hi = this.hi;
    let lo = this.lo;
    let i = 0;
    const n = data.length;
    const fast = n - (n % 8);
    for (; i < fast; i += 8) {
      const a = lo ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
      const b = hi ^ (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24));
      const i7 = 2 * (a & 0xff);
      const i6 = 2 * ((a >>> 8) & 0xff);
      const i5 = 2 * ((a >>> 16) & 0xff);
      const i4 = 2 * (a >>> 24);
      const i3 = 2 * (b & 0xff);
      const i2 = 2 * ((b >>> 8) & 0xff);
      const i1 = 2 * ((b >>> 16) & 0xff);
      const i0 = 2 * (b >>> 24);
      hi = t7[i7]! ^ t6[i6]! ^ t5[i5]! ^ t4[i4]! ^ t3[i3]! ^ t2[i2]! ^ t1[i1]! ^ t0[i0]!;
      lo =
        t7[i7 + 1]! ^
        t6[i6 + 1]! ^
        t5[i5 + 1]! ^
        t4[i4 + 1]! ^
        t3[i3 + 1]! ^
        t2[i2 + 1]! ^
        t1[i1 + 1]! ^
        t0[i0 + 1]!;
    }
    for (; i < n; i++) {
      const idx = 2 * ((lo ^ data[i]!) & 0xff);
      lo = ((lo >>> 8) | (hi << 24)) ^ t0[idx + 1]!;
      hi = (hi >>> 8) ^ t0[idx]!;
    }
    this.hi = hi >>> 0;
    this.lo = lo >>> 0;
    return this;
  }

  /** The CRC as an unsigned 64-bit integer. */
  digest(): bigint {
    return (BigInt((this.hi ^ 0xffffffff) >>> 0) << 32n) | BigInt((this.lo ^ 0xffffffff) >>> 0);
  }

  /** The CRC in the form OSS sends it: unsigned decimal. */
  digestDecimal(): string {
    return this.digest().toString(10);
  }
}

/** CRC-64/XZ of a whole buffer, as OSS's decimal string. */
export function crc64(data: Uint8Array): string {
  return new Crc64().update(data).digestDecimal();
}
