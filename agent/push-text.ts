import type { BatchStatus } from '../core/batch-status.js';
import { formatFindings } from './build/findings-text.js';
import type { PushNotes, PushResult } from './push.js';

/** One line (plus warnings) a person reads after a push. */
export function describe(result: PushResult): string {
  const what = `${result.kind}/${result.dataset}`;
  switch (result.status) {
    case 'empty':
      return `nothing to do for ${what}: ${result.reason}`;
    case 'already-uploaded':
      return `${what}: already uploaded as ${result.batchId} (${result.rows} rows); nothing sent${verdict(result.ingest)}`;
    case 'uploaded': {
      const { start, end } = result.dateRange;
      const line = `${what}: uploaded ${result.batchId} (${start}..${end}, ${result.rows} rows, ${(result.bytes / 1048576).toFixed(2)} MiB)${verdict(result.ingest)}${lateNote(result)}`;
      return result.warnings.length === 0
        ? line
        : `${line}\nwarnings (the batch was uploaded):\n${formatFindings(result.warnings)}`;
    }
  }
}

/** `; ingest: loaded 4,492 rows` for a push that waited for ingest's verdict. */
function verdict(status: BatchStatus | undefined): string {
  if (status === undefined) return '';
  return `; ingest: ${status.status}${status.summary === '' ? '' : ` (${status.summary})`}`;
}

/** `; 2024-06-27 sent again: 11 instruments got values for it later` for a batch that restates late dates. */
export function lateNote(result: PushNotes): string {
  if (result.late === undefined) return '';
  const { dates, instruments, examples } = result.late;
  const which = dates.length === 1 ? dates[0] : `${dates.length} dates ${dates[0]}..${dates.at(-1)}`;
  return `; ${which} sent again: ${instruments} instrument(s) got values or rows for it later (e.g. ${examples.slice(0, 3).join(', ')})`;
}
