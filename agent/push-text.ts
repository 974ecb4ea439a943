import { formatFindings } from './build/findings-text.js';
import type { PushResult } from './push.js';

/** One line (plus warnings) a person reads after a push. */
export function describe(result: PushResult): string {
  const what = `${result.kind}/${result.dataset}`;
  switch (result.status) {
    case 'empty':
      return `nothing to do for ${what}: ${result.reason}`;
    case 'already-uploaded':
      return `${what}: already uploaded as ${result.batchId} (${result.rows} rows); nothing sent`;
    case 'uploaded': {
      const { start, end } = result.dateRange;
      const line = `${what}: uploaded ${result.batchId} (${start}..${end}, ${result.rows} rows, ${(result.bytes / 1048576).toFixed(2)} MiB)`;
      return result.warnings.length === 0
        ? line
        : `${line}\nwarnings (the batch was uploaded):\n${formatFindings(result.warnings)}`;
    }
  }
}
