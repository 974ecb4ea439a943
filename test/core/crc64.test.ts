import { describe, expect, it } from 'vitest';
import { Crc64, crc64 } from '../../core/crc64.js';
import { digestBytes, PayloadHasher } from '../../core/digest.js';

describe('CRC-64/XZ', () => {
  it('matches the reference vectors (CRC-64/XZ check value, ECMA-182 polynomial as OSS uses it)', () => {
    expect(crc64(Buffer.from('123456789'))).toBe('11051210869376104954');
    expect(crc64(Buffer.from(''))).toBe('0');
    expect(crc64(Buffer.from('a,b\n1,2\n'))).toBe('18314471404491087038');
  });

  it('gives the same value however the input is chunked', () => {
    const data = Buffer.alloc(10_007);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + 7) & 0xff;
    const whole = crc64(data);
    for (const size of [1, 3, 7, 8, 9, 64, 1000, 4096]) {
      const c = new Crc64();
      for (let o = 0; o < data.length; o += size) c.update(data.subarray(o, o + size));
      expect(c.digestDecimal()).toBe(whole);
    }
  });

  it('agrees with a bit-by-bit BigInt reference on random data', () => {
    const poly = 0xc96c5795d7870f42n;
    const slow = (bytes: Uint8Array): bigint => {
      let crc = 0xffffffffffffffffn;
      for (const b of bytes) {
        crc ^= BigInt(b);
        for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
      }
      return crc ^ 0xffffffffffffffffn;
    };
    let seed = 42;
    for (let n = 0; n < 40; n++) {
      const bytes = new Uint8Array(n * 13);
      for (let i = 0; i < bytes.length; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        bytes[i] = seed >>> 24;
      }
      expect(new Crc64().update(bytes).digest()).toBe(slow(bytes));
    }
  });
});

describe('payload digest', () => {
  it('computes bytes, SHA-256 and CRC-64 in one pass, chunking-invariant', () => {
    const data = Buffer.from('abc'.repeat(7));
    const whole = digestBytes(data);
    expect(whole.bytes).toBe(21);
    expect(whole.crc64).toBe(crc64(data));
    const h = new PayloadHasher();
    for (let i = 0; i < data.length; i += 5) h.update(data.subarray(i, i + 5));
    expect(h.digest()).toEqual(whole);
    expect(digestBytes(Buffer.from('abc')).sha256).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('takes the CRC-64 the store reports instead of computing it, and still hashes every byte', () => {
    const data = Buffer.from('the store computed the CRC-64 of this object already');
    const h = new PayloadHasher('42');
    h.update(data.subarray(0, 9)).update(data.subarray(9));
    expect(h.digest()).toEqual({ ...digestBytes(data), crc64: '42' });
  });

  it('SHA-256 of the empty string is the well-known value', () => {
    expect(digestBytes(Buffer.alloc(0)).sha256).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });
});
