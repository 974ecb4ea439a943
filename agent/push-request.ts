import { resolve } from 'node:path';
import type { AgentContext } from './context.js';
import { pushSource } from './push.js';
import { pushProvider } from './sent/provider-push.js';
import { sinceLastStart } from './since-last.js';
import { openCalendarSource } from './sources/calendar-source.js';
import { checkRequest, openExport, type SourceRequest } from './sources/source-request.js';
import { type PushOutcome, pushInBatches } from './split/push-split.js';

/**
 * Push what a command line asks for: an export file as it is; a calendar or a qlib directory over
 * --start/--end, or with --since-last from after the last date pushed (sent/provider-push.ts also sends
 * again what appeared later for dates already sent). A long range of factors goes up as several batches
 * (agent/split). Usage errors are UsageError (exit 2).
 */
export async function pushRequest(ctx: AgentContext, given: SourceRequest): Promise<PushOutcome> {
  // Absolute, so the manifest's producer.sourcePath says where the data came from on this host.
  const request = { ...given, path: resolve(given.path) };
  const from = checkRequest(request);
  if (from === 'csv' || from === 'parquet') return pushInBatches(ctx, await openExport(from, request));
  if (from === 'qlib') return pushProvider(ctx, request);
  const start = request.sinceLast ? await sinceLastStart(ctx, request, 'calendar') : request.start;
  const range = {
    ...(start === undefined ? {} : { start }),
    ...(request.end === undefined ? {} : { end: request.end }),
  };
  return pushSource(ctx, openCalendarSource({ root: request.path, dataset: request.dataset, ...range }));
}
