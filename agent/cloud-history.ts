import type { ObjectStore } from '../adapters/object-store/store.js';
import type { BatchKind } from '../core/keys.js';
import { parseKey } from '../core/keys.js';
import { parseManifest } from '../core/manifest.js';

/** How many of the newest batches are read for their date range. */
const NEWEST = 20;

/**
 * The last date the bucket holds for a dataset, for `--since-last` when the journal knows nothing of it
 * (a new machine, a lost journal): the manifests under loaded/ (ingest loaded them) and incoming/ (uploaded,
 * not yet loaded), the newest NEWEST by batch id (ids start with their creation time). Undefined when the
 * bucket has none. Quarantined batches do not count: their rows were never loaded.
 */
export async function cloudLastEnd(
  store: ObjectStore,
  kind: BatchKind,
  dataset: string,
): Promise<{ end: string; batches: number } | undefined> {
  const keys: string[] = [];
  for (const area of ['loaded', 'incoming']) {
    for await (const o of store.list(`${area}/${kind}/${dataset}/`)) {
      if (o.key.endsWith('/manifest.json')) keys.push(o.key);
    }
  }
  if (keys.length === 0) return undefined;
  const newest = keys.sort((a, b) => batchIdOf(b).localeCompare(batchIdOf(a))).slice(0, NEWEST);
  let end = '';
  for (const key of newest) {
    const manifest = parseManifest(await store.get(key));
    if (manifest.dateRange.end > end) end = manifest.dateRange.end;
  }
  return { end, batches: keys.length };
}

function batchIdOf(key: string): string {
  const parsed = parseKey(key);
  return parsed.batchId;
}
