import type { Readable } from 'node:stream';
import { translateOssError } from '../../adapters/object-store/errors.js';
import { loadedContent } from '../../adapters/warehouse/warehouse-facts.js';
import { type PayloadDigest, PayloadHasher } from '../../core/digest.js';
import { isTerminal } from '../../core/errors.js';
import type { ManifestV1 } from '../../core/manifest.js';
import type { IngestDeps } from './deps.js';
import type { LoadDecision } from './load-batch.js';
import { checkStreamedDigest } from './payload-check.js';
import { rejectWith } from './rejection.js';

/** The batch currently loaded with the same content (dataset + SHA-256), and the digest its ledger row recorded. */
export interface Twin {
  batchId: string;
  crc64: string | null;
  bytes: number | null;
}

/** The loaded batch whose content the manifest claims, if it is another batch. */
export async function loadedTwin(deps: IngestDeps, manifest: ManifestV1): Promise<Twin | undefined> {
  const twin = await loadedContent(deps.pool, manifest.dataset, manifest.payload.sha256);
  return twin !== undefined && twin.batchId !== manifest.batchId ? twin : undefined;
}

/**
 * A twin is found by the manifest's SHA-256, which is only the producer's word until the bytes are read. OSS's
 * own CRC-64 of the stored object (HEAD, payload-check.ts), equal to the twin's, vouches for them without a
 * download. Without it (OSS omits x-oss-hash-crc64ecma for some objects, or the CRCs differ) the payload is
 * read through the hasher first: identical bytes are a duplicate, anything else is rejected by the digest check.
 */
export async function confirmDuplicate(
  deps: IngestDeps,
  manifest: ManifestV1,
  twin: Twin,
  ossCrc64: string | undefined,
): Promise<LoadDecision> {
  const duplicate: LoadDecision = { kind: 'duplicate', duplicateOf: twin.batchId };
  if (ossCrc64 !== undefined && twin.crc64 === ossCrc64 && twin.bytes === manifest.payload.bytes) {
    return duplicate;
  }
  const digest = await hashStored(deps, manifest.payload.key);
  if (digest === undefined) {
    const why = `the payload ${manifest.payload.key} disappeared while reading it`;
    return { kind: 'rejected', rejection: rejectWith('PAYLOAD_MISSING', why) };
  }
  const rejection = checkStreamedDigest(manifest, digest);
  return rejection === undefined ? duplicate : { kind: 'rejected', rejection };
}

/** SHA-256, CRC-64 and size of the stored object, streamed (never whole in memory); undefined if it is gone. */
export async function hashStored(deps: IngestDeps, key: string): Promise<PayloadDigest | undefined> {
  const hasher = new PayloadHasher();
  let source: Readable;
  try {
    source = (await deps.store.getStream(key)).body;
  } catch (error) {
    if (isTerminal(error) && error.code === 'OSS_NOT_FOUND') return undefined;
    throw error;
  }
  try {
    for await (const chunk of source) hasher.update(chunk as Buffer);
  } catch (error) {
    throw translateOssError(error, `read ${key}`);
  }
  return hasher.digest();
}
