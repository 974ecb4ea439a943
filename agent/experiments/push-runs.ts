import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { refreshCloudState } from '../cloud-status.js';
import type { AgentContext } from '../context.js';
import { transferSettings } from '../upload/pending.js';
import { uploadArtifact } from './artifact-upload.js';
import type { ArtifactPolicy } from './artifacts.js';
import { type ChangedRun, collectRuns, type RefusedRun } from './collect-runs.js';
import { RunJournal } from './run-journal.js';
import { journalRunsBatch, openRunsPayload, uploadRunsBatch } from './runs-batch.js';
import type { MlflowStore } from './store-model.js';

export interface PushRunsOptions {
  dataset: string;
  policy: ArtifactPolicy;
  configFile: { name: string; text: string } | undefined;
  only: readonly string[];
}

export type PushRunsResult =
  | {
      status: 'uploaded' | 'already-uploaded';
      batchId: string;
      kind: 'experiments';
      dataset: string;
      experiments: number;
      runs: number;
      unchanged: number;
      lines: number;
      bytes: number;
      artifacts: { uploaded: number; present: number; bytes: number; listed: number };
      warnings: string[];
      refused: RefusedSummary[];
    }
  | {
      status: 'unchanged';
      kind: 'experiments';
      dataset: string;
      runs: 0;
      unchanged: number;
      refused: RefusedSummary[];
    }
  | { status: 'empty'; kind: 'experiments'; dataset: string; reason: string };

/** A run the rules refused, as the result reports it. */
export interface RefusedSummary {
  runId: string;
  name: string | null;
  codes: string[];
  detail: string;
}

/**
 * push-runs (docs/agent.md): read the MLflow store, keep the runs that changed since the last push, upload their
 * artifacts (before the batch: a loaded row never points at a missing object), then the batch — its payload, its
 * manifest last — and remember what was sent. Nothing changed: nothing is sent.
 */
export async function pushRuns(
  ctx: AgentContext,
  store: MlflowStore,
  o: PushRunsOptions,
): Promise<PushRunsResult> {
  const journal = RunJournal.open(ctx.journal.dir, o.dataset);
  const forgotten = journal.forgetBatches(await rejectedBatches(ctx, o.dataset));
  if (forgotten.length > 0) {
    ctx.logger.warn('runs of rejected batches are sent again', { runs: forgotten.length });
  }
  const payload = openRunsPayload(ctx.journal.spoolDir, o.dataset);
  let collected: Awaited<ReturnType<typeof collectRuns>>;
  try {
    collected = await collectRuns(store, journal, {
      ...o,
      write: (lines) => payload.write(lines),
      // lines and JSON bytes so far; the share is of the runs read
      onRun: (i, n) => ctx.progress.build(o.dataset, payload.lines, payload.bytes, i / n),
    });
  } catch (error) {
    payload.discard();
    throw error;
  } finally {
    ctx.progress.done();
  }
  const { runs, unchanged, experimentLines } = collected;
  const refused = collected.refused.map(summarise);
  if (experimentLines.length === 0) {
    payload.discard();
    return {
      status: 'empty',
      kind: 'experiments',
      dataset: o.dataset,
      reason: `no experiments in ${store.location}`,
    };
  }
  if (runs.length === 0 && !collected.experimentsChanged) {
    payload.discard();
    journal.save();
    return { status: 'unchanged', kind: 'experiments', dataset: o.dataset, runs: 0, unchanged, refused };
  }
  const built = await payload.finish(runs, ctx.now());
  let artifacts: Awaited<ReturnType<typeof sendArtifacts>>;
  try {
    artifacts = await sendArtifacts(ctx, runs);
  } catch (error) {
    rmSync(built.path, { force: true });
    throw error;
  }
  const batch = journalRunsBatch(ctx, o.dataset, store.location, built);
  for (const run of runs) run.state.batchId = batch.entry.manifest.batchId;
  journal.commit(
    runs.map((r) => ({ runId: r.runId, state: r.state })),
    collected.experimentsHash,
  );
  const done = await uploadRunsBatch(ctx, batch.entry, batch.existing);
  return {
    status: batch.existing ? 'already-uploaded' : 'uploaded',
    batchId: done.manifest.batchId,
    kind: 'experiments',
    dataset: o.dataset,
    experiments: experimentLines.length,
    runs: runs.length,
    unchanged,
    lines: built.lines,
    bytes: built.digest.bytes,
    artifacts: { ...artifacts, listed: runs.reduce((n, r) => n + r.uploads.length, 0) },
    warnings: built.warnings,
    refused,
  };
}

/** Every selected artifact of the changed runs, in run order; sizes summed for the report. */
async function sendArtifacts(ctx: AgentContext, runs: readonly ChangedRun[]) {
  const deps = {
    store: ctx.store,
    dir: join(ctx.journal.dir, 'artifacts'),
    logger: ctx.logger,
    ...transferSettings(ctx),
    onProgress: (key: string, sent: number, total: number) => ctx.progress.upload(key, sent, total),
  };
  const out = { uploaded: 0, present: 0, bytes: 0 };
  try {
    for (const run of runs) {
      for (const artifact of run.uploads) {
        if (await uploadArtifact(deps, artifact)) {
          out.uploaded += 1;
          out.bytes += artifact.bytes;
        } else out.present += 1;
      }
    }
  } finally {
    ctx.progress.done();
  }
  return out;
}

function summarise(r: RefusedRun): RefusedSummary {
  const first = r.findings[0]?.examples[0];
  const detail = [first?.field, first?.value, first?.detail].filter((p) => p !== undefined).join(' ');
  return { runId: r.runId, name: r.name, codes: r.findings.map((f) => f.code), detail };
}

/** This dataset's experiments batches that ingest rejected (their status read back now when not known yet). */
async function rejectedBatches(ctx: AgentContext, dataset: string): Promise<Set<string>> {
  const rejected = new Set<string>();
  for (const entry of ctx.journal.list().entries) {
    if (entry.manifest.kind !== 'experiments' || entry.manifest.dataset !== dataset) continue;
    const now = await refreshCloudState(ctx.store, ctx.journal, entry, ctx.now);
    if (now.state === 'rejected') rejected.add(now.manifest.batchId);
  }
  return rejected;
}
