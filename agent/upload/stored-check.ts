import type { ObjectInfo } from '../../adapters/object-store/store.js';
import { TransientError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { ManifestV1 } from '../../core/manifest.js';

/** What an object must be once stored: a manifest's payload, or a run's artifact. */
export interface StoredObject {
  key: string;
  bytes: number;
  crc64: string;
}

/** How a stored payload differs from the manifest: OSS's CRC-64, or (a store without one) its size. */
export type StoredFault = { kind: 'crc'; got: string } | { kind: 'size'; got: number | undefined };

/**
 * What is stored under the payload key must be what was sent: OSS's CRC-64 of it (`reported` by the
 * upload, else from a HEAD) equals the manifest's. A store that reports no CRC-64 (not every OSS-compatible
 * one computes it) is checked by the size its HEAD reports; the content is then checked by ingest, which
 * hashes the stored bytes (SHA-256) before it loads them (docs/ingest.md). Undefined when it passes.
 */
export async function checkStored(
  payload: StoredObject,
  reported: string | undefined,
  head: () => Promise<ObjectInfo | undefined>,
  logger: Logger,
): Promise<StoredFault | undefined> {
  if (reported !== undefined) return reported === payload.crc64 ? undefined : { kind: 'crc', got: reported };
  const info = await head();
  if (info?.crc64 !== undefined)
    return info.crc64 === payload.crc64 ? undefined : { kind: 'crc', got: info.crc64 };
  if (info?.size === payload.bytes) {
    logger.info('the store reports no CRC-64: its size is checked here, the SHA-256 by ingest', {
      bytes: info.size,
    });
    return undefined;
  }
  return { kind: 'size', got: info?.size };
}

/** The payload was stored wrong twice: not retried further (the batch stays in the journal, exit 5). */
export function storedFaultError(fault: StoredFault, payload: ManifestV1['payload']): TransientError {
  if (fault.kind === 'size') {
    return new TransientError(
      'PAYLOAD_SIZE_MISMATCH',
      `the store holds ${fault.got ?? 'no'} bytes under ${payload.key} after two uploads of ${payload.bytes}: something between here and the store alters uploads (it reports no CRC-64, so the size is what could be compared)`,
    );
  }
  return new TransientError(
    'PAYLOAD_CRC_MISMATCH',
    `OSS computed a different CRC-64 for ${payload.key} twice: something between here and OSS alters uploads`,
  );
}
