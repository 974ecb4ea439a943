import type { PayloadDigest } from '../../core/digest.js';
import type { ManifestV1 } from '../../core/manifest.js';
import type { IngestDeps } from './deps.js';
import { type PayloadEvidence, type Rejection, rejectWith } from './rejection.js';

/** The HEAD verdict: a rejection, or the stored object with OSS's own CRC-64 when OSS reported one. */
export type StoredPayload = { kind: 'rejected'; rejection: Rejection } | { kind: 'stored'; crc64?: string };

/**
 * Before loading: the payload exists, has the manifest's size, and OSS's own CRC-64 of the stored bytes
 * (x-oss-hash-crc64ecma) is the manifest's. Cheap (one HEAD) and catches a replaced or truncated upload.
 * OSS omits the CRC for some objects; then only the streamed digest vouches for the bytes.
 */
export async function checkStoredPayload(deps: IngestDeps, manifest: ManifestV1): Promise<StoredPayload> {
  const info = await deps.store.head(manifest.payload.key);
  const rejection = judgeStored(manifest, info);
  if (rejection !== undefined) return { kind: 'rejected', rejection };
  return info?.crc64 === undefined ? { kind: 'stored' } : { kind: 'stored', crc64: info.crc64 };
}

function judgeStored(
  manifest: ManifestV1,
  info: { size: number; crc64: string | undefined } | undefined,
): Rejection | undefined {
  const p = manifest.payload;
  if (info === undefined) {
    return rejectWith('PAYLOAD_MISSING', `the payload ${p.key} does not exist`, {
      payload: evidence(manifest, { exists: false }),
    });
  }
  const actual = {
    exists: true,
    bytes: info.size,
    ...(info.crc64 === undefined ? {} : { crc64: info.crc64 }),
  };
  if (info.size !== p.bytes) {
    return rejectWith(
      'PAYLOAD_SIZE_MISMATCH',
      `the payload is ${info.size} bytes, the manifest says ${p.bytes}`,
      {
        payload: evidence(manifest, actual),
      },
    );
  }
  if (info.crc64 !== undefined && info.crc64 !== p.crc64) {
    return rejectWith(
      'PAYLOAD_CRC64_MISMATCH',
      `OSS reports CRC-64 ${info.crc64}, the manifest says ${p.crc64}`,
      {
        payload: evidence(manifest, actual),
      },
    );
  }
  return undefined;
}

/** After streaming, before commit: the bytes we read hash to what the manifest says. */
export function checkStreamedDigest(manifest: ManifestV1, digest: PayloadDigest): Rejection | undefined {
  const p = manifest.payload;
  const payload = evidence(manifest, { exists: true, ...digest });
  if (digest.bytes !== p.bytes) {
    return rejectWith('PAYLOAD_SIZE_MISMATCH', `read ${digest.bytes} bytes, the manifest says ${p.bytes}`, {
      payload,
    });
  }
  if (digest.sha256 !== p.sha256) {
    return rejectWith(
      'PAYLOAD_SHA256_MISMATCH',
      `the payload's SHA-256 is ${digest.sha256}, the manifest says ${p.sha256}`,
      {
        payload,
      },
    );
  }
  if (digest.crc64 !== p.crc64) {
    return rejectWith(
      'PAYLOAD_CRC64_MISMATCH',
      `the payload's CRC-64 is ${digest.crc64}, the manifest says ${p.crc64}`,
      {
        payload,
      },
    );
  }
  return undefined;
}

function evidence(manifest: ManifestV1, actual: PayloadEvidence['actual']): PayloadEvidence {
  const { key, bytes, sha256, crc64 } = manifest.payload;
  return { key, expected: { bytes, sha256, crc64 }, actual };
}
