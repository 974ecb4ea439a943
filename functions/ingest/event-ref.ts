import { parseKey } from '../../core/keys.js';
import type { OssEventRecord } from '../../core/oss-event.js';
import type { ManifestRef } from './deps.js';

/**
 * The batch an OSS event record announces: a manifest under incoming/ in our bucket. Anything else (a payload,
 * another area, a foreign bucket: a trigger misconfiguration) is not ours; the reason says why.
 */
export function manifestRefOf(record: OssEventRecord, bucket: string): ManifestRef | { ignored: string } {
  const key = record.oss.object.key;
  if (record.oss.bucket.name !== bucket)
    return { ignored: `bucket ${record.oss.bucket.name} is not ${bucket}` };
  let parsed: ReturnType<typeof parseKey>;
  try {
    parsed = parseKey(key);
  } catch (error) {
    return { ignored: (error as Error).message };
  }
  if (parsed.type !== 'batch' || parsed.area !== 'incoming' || parsed.file !== 'manifest.json') {
    return { ignored: `${key} is not an incoming manifest` };
  }
  return { bucket, key, kind: parsed.kind, dataset: parsed.dataset, batchId: parsed.batchId };
}
