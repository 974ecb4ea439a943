import type { BatchKind } from '../core/keys.js';
import { cloudLastEnd } from './cloud-history.js';
import type { AgentContext } from './context.js';
import { UsageError } from './exit-codes.js';
import { nextDay, type SourceRequest } from './sources/source-request.js';

/**
 * Where --since-last starts without a record of what was sent: the day after the last date the journal
 * has for the dataset; with no batch in the journal, after the last date the bucket holds (loaded/ and
 * incoming/); with none there either it would send the whole history, which it does only with
 * --allow-full-history (undefined: from the first date), else it refuses (exit 2) saying why.
 */
export async function sinceLastStart(
  ctx: AgentContext,
  request: SourceRequest,
  kind: BatchKind,
): Promise<string | undefined> {
  const last = ctx.journal.lastEnd(kind, request.dataset);
  if (last !== undefined) return nextDay(last);
  const cloud = await cloudLastEnd(ctx.store, kind, request.dataset);
  if (cloud !== undefined) {
    ctx.logger.warn(
      `the journal has no batch of ${kind}/${request.dataset}; the bucket has ${cloud.batches} through ${cloud.end}: starting after it (late values for dates before are not tracked until this push is recorded)`,
      { journal: ctx.journal.dir, end: cloud.end },
    );
    return nextDay(cloud.end);
  }
  if (request.allowFullHistory) return undefined;
  throw new UsageError(
    `--since-last: nothing of ${kind}/${request.dataset} was pushed before (the journal ${ctx.journal.dir} has no batch of it, the bucket none under loaded/ or incoming/), so it would send the whole history; to send all of it, add --allow-full-history (or give --start/--end)`,
  );
}
