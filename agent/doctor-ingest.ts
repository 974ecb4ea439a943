import type { ObjectStore } from '../adapters/object-store/store.js';
import { PipelineError } from '../core/errors.js';
import { refreshCloudState } from './cloud-status.js';
import type { Check } from './doctor-checks.js';
import { EXIT } from './exit-codes.js';
import { Journal } from './journal/journal.js';
import { findOverdue } from './overdue.js';
import type { AgentSettings } from './settings.js';

/**
 * Batches uploaded longer than ingestOverdueMinutes ago with no status from ingest: read their status
 * objects first (when OSS answers), then each one still waiting fails the check (exit 7), with what it
 * means and the command that re-triggers it. A lost OSS event otherwise looks like nothing at all.
 */
export async function ingestChecks(
  store: ObjectStore | undefined,
  settings: AgentSettings,
  now: () => Date,
): Promise<Check[]> {
  let journal: Journal;
  try {
    journal = Journal.open(settings.journalDir);
  } catch {
    return []; // the journal check says why
  }
  let entries = journal.list().entries.filter((e) => e.state === 'uploaded');
  let checked = store !== undefined;
  if (store !== undefined) {
    try {
      entries = await Promise.all(entries.map((e) => refreshCloudState(store, journal, e, now)));
    } catch (error) {
      if (!(error instanceof PipelineError)) throw error;
      checked = false;
    }
  }
  const overdue = findOverdue(entries, now(), settings.ingestOverdueMinutes);
  const waiting = entries.filter((e) => e.state === 'uploaded').length;
  if (overdue.length === 0) {
    const detail = `${waiting} batch(es) waiting for ingest, none longer than ${settings.ingestOverdueMinutes} min`;
    return [
      { name: 'ingest', status: 'ok', detail: checked ? detail : `${detail} (status objects not read)` },
    ];
  }
  return overdue.map((o) => ({
    name: 'ingest',
    status: 'fail',
    detail: `${o.kind}/${o.dataset} ${o.batchId}: uploaded ${o.waitedMinutes} min ago, no status from ingest`,
    fix: o.message,
    exit: EXIT.overdue,
  }));
}
