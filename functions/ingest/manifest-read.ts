import type { BatchFacts } from '../../adapters/warehouse/ledger.js';
import { isTerminal, type Problem, TerminalError } from '../../core/errors.js';
import { type ManifestV1, parseManifest } from '../../core/manifest.js';
import type { IngestDeps, ManifestRef } from './deps.js';

/** A v1 manifest with 1000 columns is about 50 KB; anything far larger is not a manifest. */
const MAX_MANIFEST_BYTES = 1024 * 1024;

export type ManifestRead =
  | { kind: 'valid'; manifest: ManifestV1 }
  | { kind: 'invalid'; error: TerminalError }
  | { kind: 'missing' };

/** Read and check the manifest the event names; an unreadable one is a value (the batch gets rejected). */
export async function readManifest(deps: IngestDeps, ref: ManifestRef): Promise<ManifestRead> {
  const info = await deps.store.head(ref.key);
  if (info === undefined) return { kind: 'missing' };
  if (info.size > MAX_MANIFEST_BYTES) {
    const message = `manifest.json is ${info.size} bytes; a manifest is at most ${MAX_MANIFEST_BYTES}`;
    return { kind: 'invalid', error: new TerminalError('MANIFEST_TOO_LARGE', message) };
  }
  let bytes: Buffer;
  try {
    bytes = await deps.store.get(ref.key);
  } catch (error) {
    if (isTerminal(error) && error.code === 'OSS_NOT_FOUND') return { kind: 'missing' };
    throw error;
  }
  try {
    const manifest = parseManifest(bytes);
    const mismatch = keyMismatch(ref, manifest);
    return mismatch === undefined ? { kind: 'valid', manifest } : { kind: 'invalid', error: mismatch };
  } catch (error) {
    if (isTerminal(error)) return { kind: 'invalid', error };
    throw error;
  }
}

/** The manifest must describe the batch its key names: the ledger row is keyed by the key's batch id. */
function keyMismatch(ref: ManifestRef, m: ManifestV1): TerminalError | undefined {
  const problems: Problem[] = [];
  for (const field of ['batchId', 'kind', 'dataset'] as const) {
    if (m[field] !== ref[field]) {
      problems.push({
        code: 'MANIFEST_KEY_MISMATCH',
        path: `$.${field}`,
        message: `must be ${ref[field]}, as in the object key ${ref.key}`,
        value: String(m[field]).slice(0, 80),
      });
    }
  }
  if (problems.length === 0) return undefined;
  return new TerminalError('MANIFEST_KEY_MISMATCH', 'the manifest describes another batch than its key', {
    problems,
  });
}

/** What the ledger records: the key's identity, plus the manifest's facts when it was valid. */
export function factsOf(ref: ManifestRef, read: ManifestRead): BatchFacts {
  const facts: BatchFacts = {
    batchId: ref.batchId,
    kind: ref.kind,
    dataset: ref.dataset,
    manifestKey: ref.key,
  };
  if (read.kind !== 'valid') return facts;
  const m = read.manifest;
  return {
    ...facts,
    contentSha256: m.payload.sha256,
    payloadCrc64: m.payload.crc64,
    payloadBytes: m.payload.bytes,
    dateStart: m.dateRange.start,
    dateEnd: m.dateRange.end,
    rowCount: m.rowCount,
  };
}
