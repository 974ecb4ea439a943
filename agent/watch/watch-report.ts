import type { PipelineError } from '../../core/errors.js';
import { BatchBlockedError } from '../build/findings-text.js';
import type { Output } from '../cli-io.js';
import type { AgentContext } from '../context.js';
import { describe } from '../push-text.js';
import { type PushOutcome, resultsOf } from '../split/push-split.js';

/** One line per batch pushed: for people, or with --json one JSON document per line on stdout. */
export function reportPush(out: Output, outcome: PushOutcome): void {
  for (const result of resultsOf(outcome)) out.result(result, describe(result));
}

/**
 * A failed push: logged on stderr; with --json also a line on stdout, so a consumer of the JSON stream
 * sees every outcome. `source` is the export file or qlib directory.
 */
export function reportFailure(ctx: AgentContext, out: Output, error: PipelineError, source: string): void {
  const blocked = error instanceof BatchBlockedError;
  const retry = error.kind === 'transient';
  ctx.logger.error(blocked ? 'batch blocked by the quality rules' : 'push failed', {
    source,
    retry,
    error,
  });
  if (out.json) {
    const document = { status: 'failed', source, retry, error: { code: error.code, message: error.message } };
    out.result(document, '');
  }
}
