import type { Env } from '../../core/config-reader.js';
import { ConfigError } from '../../core/errors.js';
import { BatchBlockedError } from '../build/findings-text.js';
import type { AgentContext } from '../context.js';
import { UsageError } from '../exit-codes.js';
import { type PushResult, pushSource, settleBuilt } from '../push.js';
import { describe } from '../push-text.js';
import type { BatchSource } from '../sources/source.js';
import { DEFAULT_BATCH_MIB } from './batch-windows.js';
import { buildWindows, discardAll, windowsFor } from './split-build.js';

const MIB = 1024 * 1024;
const MAX_BATCH_MIB = 65_536;

/** A push cut into several batches, each its own manifest, all checked before the first goes up. */
export interface SplitPushResult {
  status: 'split';
  kind: string;
  dataset: string;
  batches: PushResult[];
}

export type PushOutcome = PushResult | SplitPushResult;

/**
 * Push a source as batches of at most about `batchMib` MiB of rows each (0: one batch whatever its size).
 * Days are never split across batches, and each batch is the full cross-section of its days, so a restatement
 * of a long range is a run of restatements of its windows, each atomic. The rules check every window before
 * anything is uploaded: a blocking finding anywhere uploads nothing. A source that fits one batch is pushed
 * exactly as before (pushSource).
 */
export async function pushInBatches(
  ctx: AgentContext,
  source: BatchSource,
  batchMib = ctx.batchMib ?? DEFAULT_BATCH_MIB,
): Promise<PushOutcome> {
  if (source.kind !== 'factors' || batchMib === 0) return pushSource(ctx, source);
  const windows = await windowsFor(source, batchMib * MIB);
  if (windows.length <= 1) return pushSource(ctx, source);
  ctx.logger.info('push split into batches', { dataset: source.dataset, batches: windows.length, batchMib });
  const built = await buildWindows(source, windows, {
    spoolDir: ctx.journal.spoolDir,
    policy: ctx.settings.policy,
    onProgress: (p) =>
      ctx.progress.build(
        source.dataset,
        p.rows,
        p.csvBytes,
        p.instrumentCount ? p.instruments / p.instrumentCount : undefined,
      ),
  });
  ctx.progress.done();
  if (built.some((b) => b.report.blocked)) {
    discardAll(built);
    throw new BatchBlockedError(
      source.dataset,
      built.flatMap((b) => b.report.findings),
    );
  }
  const batches: PushResult[] = [];
  for (const [i, payload] of built.entries()) {
    try {
      batches.push(await settleBuilt(ctx, source, payload));
    } catch (error) {
      discardAll(built.slice(i + 1));
      throw error;
    }
  }
  return { status: 'split', kind: source.kind, dataset: source.dataset, batches };
}

/** The results one by one: a split push's batches, or the single push. */
export function resultsOf(outcome: PushOutcome): PushResult[] {
  return outcome.status === 'split' ? outcome.batches : [outcome];
}

/** What a person reads after a push: one line per batch, and for a split push a summary first. */
export function describeOutcome(outcome: PushOutcome): string {
  if (outcome.status !== 'split') return describe(outcome);
  const sent = outcome.batches.filter((b) => b.status === 'uploaded').length;
  const head = `${outcome.kind}/${outcome.dataset}: ${outcome.batches.length} batches (${sent} uploaded), each loaded on its own`;
  return [head, ...outcome.batches.map((b) => `  ${describe(b)}`)].join('\n');
}

/** The batch budget: --batch-mib, else QLIB_SYNC_BATCH_MIB, else the default; 0 means never split. */
export function batchMibOf(env: Env, flag?: string): number {
  const raw = flag ?? env.QLIB_SYNC_BATCH_MIB;
  if (raw === undefined || raw.trim() === '') return DEFAULT_BATCH_MIB;
  const n = Number(raw);
  if (/^\d+(\.\d+)?$/.test(raw.trim()) && n <= MAX_BATCH_MIB) return n;
  const message = `must be a number of MiB in [0, ${MAX_BATCH_MIB}] (0: never split)`;
  if (flag !== undefined) throw new UsageError(`--batch-mib ${flag} ${message}`);
  throw new ConfigError([{ code: 'CONFIG_INVALID', path: 'QLIB_SYNC_BATCH_MIB', message, value: raw }]);
}
