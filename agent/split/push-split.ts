import type { Env } from '../../core/config-reader.js';
import { ConfigError } from '../../core/errors.js';
import type { BuiltPayload } from '../build/batch-builder.js';
import { BatchBlockedError } from '../build/findings-text.js';
import type { AgentContext } from '../context.js';
import { UsageError } from '../exit-codes.js';
import { buildOptions, buildSource, finishPush, type PushNotes, type PushResult } from '../push.js';
import { describe, lateNote } from '../push-text.js';
import type { BatchSource } from '../sources/source.js';
import { DEFAULT_BATCH_MIB } from './batch-windows.js';
import { buildWindows, discardAll, windowsFor } from './split-build.js';

const MIB = 1024 * 1024;
const MAX_BATCH_MIB = 65_536;

/** A push cut into several batches, each its own manifest, all checked before the first goes up. */
export type SplitPushResult = PushNotes & {
  status: 'split';
  kind: string;
  dataset: string;
  batches: PushResult[];
};

export type PushOutcome = PushResult | SplitPushResult;

/**
 * Push a source as batches of at most about `batchMib` MiB of rows each (0: one batch whatever its size).
 * Days are never split across batches, and each batch is the full cross-section of its days, so a restatement
 * of a long range is a run of restatements of its windows, each atomic. The rules check every window before
 * anything is uploaded: a blocking finding anywhere uploads nothing. A source that fits one batch is pushed
 * exactly as before.
 */
export async function pushInBatches(
  ctx: AgentContext,
  source: BatchSource,
  batchMib = ctx.batchMib ?? DEFAULT_BATCH_MIB,
): Promise<PushOutcome> {
  return finishAll(ctx, source, await buildInBatches(ctx, source, batchMib));
}

/** Build a source's payloads: one, or one per window of at most `batchMib` MiB (in a single pass). */
export async function buildInBatches(
  ctx: AgentContext,
  source: BatchSource,
  batchMib = ctx.batchMib ?? DEFAULT_BATCH_MIB,
): Promise<BuiltPayload[]> {
  if (source.kind !== 'factors' || batchMib === 0) return [await buildSource(ctx, source)];
  const windows = await windowsFor(source, batchMib * MIB);
  if (windows.length <= 1) return [await buildSource(ctx, source)];
  ctx.logger.info('push split into batches', { dataset: source.dataset, batches: windows.length, batchMib });
  const built = await buildWindows(source, windows, buildOptions(ctx, source));
  ctx.progress.done();
  return built;
}

/**
 * Journal and upload built payloads in order (push.ts finishPush each); a blocking finding in any of them
 * uploads none. `onJournaled` runs once, with the last batch's id, before its upload.
 */
export async function finishAll(
  ctx: AgentContext,
  source: BatchSource,
  built: readonly BuiltPayload[],
  onJournaled?: (batchId: string) => void,
): Promise<PushOutcome> {
  if (built.length === 1) return finishPush(ctx, source, built[0] as BuiltPayload, onJournaled);
  if (built.some((b) => b.report.blocked)) {
    discardAll(built);
    throw new BatchBlockedError(
      source.dataset,
      built.flatMap((b) => b.report.findings),
    );
  }
  const batches: PushResult[] = [];
  for (const [i, payload] of built.entries()) {
    const last = i === built.length - 1;
    try {
      batches.push(await finishPush(ctx, source, payload, last ? onJournaled : undefined, i === 0));
    } catch (error) {
      discardAll(built.slice(i + 1));
      throw error;
    }
  }
  const notices = batches.find((b) => b.notices !== undefined)?.notices;
  return {
    status: 'split',
    kind: source.kind,
    dataset: source.dataset,
    batches,
    ...(notices === undefined ? {} : { notices }),
  };
}

/** The results one by one: a split push's batches, or the single push. */
export function resultsOf(outcome: PushOutcome): PushResult[] {
  return outcome.status === 'split' ? outcome.batches : [outcome];
}

/** What a person reads after a push: one line per batch, and for a split push a summary first. */
export function describeOutcome(outcome: PushOutcome): string {
  if (outcome.status !== 'split') return describe(outcome);
  const sent = outcome.batches.filter((b) => b.status === 'uploaded').length;
  const head = `${outcome.kind}/${outcome.dataset}: ${outcome.batches.length} batches (${sent} uploaded), each loaded on its own${lateNote(outcome)}`;
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
