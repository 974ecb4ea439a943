import { createHash, type Hash } from 'node:crypto';
import { Crc64 } from './crc64.js';

/** What a manifest says about payload bytes, and what both sides recompute to check it. */
export interface PayloadDigest {
  bytes: number;
  sha256: string;
  crc64: string;
}

/**
 * Streaming SHA-256 + CRC-64/XZ + byte count over the same chunks, in one pass. With `knownCrc64` (the
 * CRC-64 the object store computed of the very bytes it sends) the CRC-64 is taken from it instead of
 * computed again: the SHA-256 still covers every byte.
 */
export class PayloadHasher {
  private readonly sha: Hash = createHash('sha256');
  private readonly crc: Crc64 | undefined;
  private count = 0;

  constructor(private readonly knownCrc64?: string) {
    if (knownCrc64 === undefined) this.crc = new Crc64();
  }

  update(chunk: Uint8Array): this {
    this.sha.update(chunk);
    this.crc?.update(chunk);
    this.count += chunk.length;
    return this;
  }

  digest(): PayloadDigest {
    const crc64 = this.crc?.digestDecimal() ?? (this.knownCrc64 as string);
    return { bytes: this.count, sha256: this.sha.digest('hex'), crc64 };
  }
}

/** Digest of a whole buffer. */
export function digestBytes(data: Uint8Array): PayloadDigest {
  return new PayloadHasher().update(data).digest();
}

/** SHA-256 hex of a buffer or string. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
