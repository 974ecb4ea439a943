import { readCursor, saveCursor } from '../../adapters/warehouse/monitor-runs.js';
import { inLedger } from '../../adapters/warehouse/redrive-store.js';
import { parseKey } from '../../core/keys.js';
import { RUN_LIMITS } from './deps.js';
import type { RedriveCandidate } from './redrive.js';
import type { RunContext } from './run-context.js';

const CURSOR = 'incoming-scan';

/**
 * Manifests in incoming/ older than REDRIVE_AFTER_MINUTES that the ledger never saw: their OSS event was lost.
 * Cheap with thousands of objects: one ListObjectsV2 page (1000 keys, with LastModified: no HEAD per object) and one
 * ledger query per page; at most RUN_LIMITS.listingPages pages per run, the position saved (monitor_cursors) so the
 * next run goes on from there and wraps around at the end. A page is only passed over once its candidates fit the
 * run's re-drive budget, so none is skipped. Keys outside the batch layout are not this scan's business.
 */
export async function findLostManifests(
  run: RunContext,
  limit: number,
  bounds: { pageSize: number; pages: number } = { pageSize: 1000, pages: RUN_LIMITS.listingPages },
): Promise<RedriveCandidate[]> {
  const { pool, store, config } = run.deps;
  const cutoff = Date.now() - config.redriveAfterMinutes * 60_000;
  const startedAt = await readCursor(pool, CURSOR);
  let position = startedAt;
  const found: RedriveCandidate[] = [];
  let pages = 0;
  let objects = 0;
  let wrapped = false;
  while (pages < bounds.pages) {
    const page = await store.listPage('incoming/', position, bounds.pageSize);
    pages++;
    objects += page.objects.length;
    const manifests = page.objects
      .filter((o) => o.key.endsWith('/manifest.json') && o.lastModified.getTime() <= cutoff)
      .flatMap((o) => {
        try {
          const k = parseKey(o.key);
          return k.type === 'batch' ? [{ key: o.key, ref: k }] : [];
        } catch {
          return [];
        }
      });
    const known = await inLedger(
      pool,
      manifests.map((m) => m.ref.batchId),
    );
    const lost = manifests.filter((m) => !known.has(m.ref.batchId));
    if (found.length > 0 && found.length + lost.length > limit) break; // this page waits for the next run
    for (const m of lost) {
      found.push({
        batchId: m.ref.batchId,
        kind: m.ref.kind,
        dataset: m.ref.dataset,
        manifestKey: m.key,
        reason: 'lost_event',
      });
    }
    position = page.next ?? '';
    if (page.next === undefined) {
      wrapped = true;
      break;
    }
  }
  await saveCursor(pool, CURSOR, position);
  await run.evaluate({
    check: 'incoming_scan',
    subject: 'incoming/',
    outcome: found.length > 0 ? 'lost' : 'ok',
    figures: { pages, objects, lost: found.map((f) => f.batchId), from: startedAt, to: position, wrapped },
  });
  return found;
}
