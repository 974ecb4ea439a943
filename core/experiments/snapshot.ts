/**
 * Which data a run trained on (docs/experiments.md, "Which data a run trained on"). `qlib-sync pull` leaves the id
 * of the factor snapshot it wrote in the provider directory, in the file SNAPSHOT_FILE (one line); the training
 * script tags its run with it:
 *
 *   R.set_tags(**{"qlib_sync.snapshot": open(f"{provider_uri}/.qlib-sync-snapshot").read().strip()})
 *
 * and the run summary exposes the tag as `snapshot_id`, so "which snapshot produced this model?" is one query.
 */
export const SNAPSHOT_TAG = 'qlib_sync.snapshot';
export const SNAPSHOT_FILE = '.qlib-sync-snapshot';

/** 1..128 printable ASCII characters without spaces: fits run_summaries.snapshot_id and a file line. */
const SNAPSHOT_ID = /^[\x21-\x7e]{1,128}$/;

/** True when `id` can be a snapshot id. */
export function isSnapshotId(id: string): boolean {
  return SNAPSHOT_ID.test(id);
}

/** The snapshot id a run's tags name, when the tag is there and well-formed (surrounding whitespace ignored). */
export function snapshotOf(tags: Readonly<Record<string, string>>): string | null {
  const value = tags[SNAPSHOT_TAG]?.trim();
  return value !== undefined && isSnapshotId(value) ? value : null;
}

/** The content of SNAPSHOT_FILE for an id (what `pull` writes). */
export function formatSnapshotFile(id: string): string {
  if (!isSnapshotId(id)) throw new RangeError(`not a snapshot id: ${JSON.stringify(id)}`);
  return `${id}\n`;
}
