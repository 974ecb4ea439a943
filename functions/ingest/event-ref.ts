import { isTerminal, type TerminalError } from '../../core/errors.js';
import { parseKey } from '../../core/keys.js';
import type { OssEventRecord } from '../../core/oss-event.js';
import type { ManifestRef } from './deps.js';

/** A manifest under incoming/ whose key is not a valid batch key: quarantined (KEY_INVALID), never dropped. */
export interface InvalidKeyRef {
  bucket: string;
  key: string;
  error: TerminalError;
}

/**
 * The batch an OSS event record announces: a manifest under incoming/ in our bucket. A key under incoming/ that
 * ends in manifest.json but is not a valid batch key is `invalid` (ingest quarantines it: its objects must leave
 * incoming/ and the producer must hear why). Anything else (a payload, another area, a foreign bucket: a trigger
 * misconfiguration) is not ours; the reason says why.
 */
export function manifestRefOf(
  record: OssEventRecord,
  bucket: string,
): ManifestRef | { invalid: InvalidKeyRef } | { ignored: string } {
  const key = record.oss.object.key;
  if (record.oss.bucket.name !== bucket)
    return { ignored: `bucket ${record.oss.bucket.name} is not ${bucket}` };
  const announcesBatch = key.startsWith('incoming/') && key.endsWith('manifest.json');
  let parsed: ReturnType<typeof parseKey>;
  try {
    parsed = parseKey(key);
  } catch (error) {
    if (!isTerminal(error)) throw error;
    return announcesBatch ? { invalid: { bucket, key, error } } : { ignored: error.message };
  }
  if (parsed.type !== 'batch' || parsed.area !== 'incoming' || parsed.file !== 'manifest.json') {
    return { ignored: `${key} is not an incoming manifest` };
  }
  return { bucket, key, kind: parsed.kind, dataset: parsed.dataset, batchId: parsed.batchId };
}
