import type { SourceRequest } from '../sources/source-request.js';

/** The push that sends a date range again with the same source, fields and instruments (a restatement). */
export function restatementCommand(request: SourceRequest, range: { start: string; end: string }): string {
  const parts = ['qlib-sync push', quote(request.path), '--dataset', request.dataset];
  parts.push('--fields', (request.fields ?? []).join(','));
  if (request.instruments !== undefined) parts.push('--instruments', request.instruments.join(','));
  else parts.push('--market', request.market ?? 'all');
  if (request.includeUnlisted) parts.push('--include-unlisted');
  parts.push('--start', range.start, '--end', range.end);
  return parts.join(' ');
}

function quote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}
