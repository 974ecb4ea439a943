/** Types of bin-digest.mjs. */
import type { DigestRequest } from './bin-window.mjs';

export function digestInto(
  fd: number,
  head: Buffer,
  got: number,
  start: number,
  values: number,
  track: DigestRequest,
  i: number,
  digests: Float64Array,
): void;

/** The JS CRC-32 used when zlib has none (Node < 20.15); it agrees with zlib.crc32. */
export function jsCrc32(bytes: Uint8Array, seed?: number): number;
