import type { BatchStatus } from '../core/batch-status.js';
import { formatFindings } from './build/findings-text.js';
import type { PushResult } from './push.js';

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
      const line = `${what}: uploaded ${result.batchId} (${start}..${end}, ${result.rows} rows, ${(result.bytes / 1048576).toFixed(2)} MiB)${verdict(result.ingest)}`;
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
