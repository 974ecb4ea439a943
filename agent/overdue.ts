import type { JournalEntry } from './journal/entry.js';

/** An uploaded batch ingest has said nothing about for longer than the setting allows. */
export interface OverdueBatch {
  batchId: string;
  kind: string;
  dataset: string;
  uploadedAt: string;
  /** How long it has waited, in minutes. */
  waitedMinutes: number;
  /** What it means and what to do, for people. */
  message: string;
}

/**
 * Batches still `uploaded` — no status object from ingest (status/<kind>/<dataset>/<id>.json) — more than
 * `minutes` after their upload. Ingest normally settles a batch within minutes (retries included), so one
 * that waits longer most likely never reached it: the OSS event that triggers it was lost (or FC gave up
 * retrying, docs/ingest.md). Putting the manifest again fires a new event (`resume --retrigger`).
 */
export function findOverdue(entries: readonly JournalEntry[], now: Date, minutes: number): OverdueBatch[] {
  const out: OverdueBatch[] = [];
  for (const entry of entries) {
    if (entry.state !== 'uploaded') continue;
    const since = Date.parse(entry.uploadedAt ?? entry.updatedAt);
    const waited = Math.floor((now.getTime() - since) / 60_000);
    if (Number.isNaN(since) || waited < minutes) continue;
    const { batchId, kind, dataset } = entry.manifest;
    out.push({
      batchId,
      kind,
      dataset,
      uploadedAt: new Date(since).toISOString(),
      waitedMinutes: waited,
      message: overdueMessage(batchId, waited, minutes),
    });
  }
  return out;
}

function overdueMessage(batchId: string, waited: number, minutes: number): string {
  return `${batchId} was uploaded ${duration(waited)} ago and ingest has published no status for it (the limit is ${minutes} min, ingestOverdueMinutes): the OSS event that triggers ingest was probably lost, or FC gave up retrying. Check the ledger (SELECT status, error_code FROM batches WHERE batch_id = '${batchId}'); with no row, or a failed one, send its manifest again: qlib-sync resume --retrigger ${batchId}`;
}

function duration(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ${minutes % 60} min` : `${Math.floor(hours / 24)} days`;
}
