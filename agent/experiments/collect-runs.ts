import { sha256Hex } from '../../core/digest.js';
import { type ExperimentsLine, formatLine } from '../../core/experiments/lines.js';
import { type ArtifactPolicy, digestFile, listArtifacts, type RunArtifact } from './artifacts.js';
import type { RunJournal, RunState } from './run-journal.js';
import { artifactRecord, configOf, experimentRecord, metricRecords, runRecord } from './run-records.js';
import type { MlflowStore, RunHandle } from './store-model.js';

/** One run whose content changed since the last push (its lines went to the payload already). */
export interface ChangedRun {
  runId: string;
  status: string;
  startTime: number | null;
  lineCount: number;
  uploads: RunArtifact[];
  state: RunState;
}

export interface Collected {
  experimentLines: string[];
  experimentsHash: string;
  experimentsChanged: boolean;
  runs: ChangedRun[];
  unchanged: number;
}

export interface CollectOptions {
  dataset: string;
  policy: ArtifactPolicy;
  configFile: { name: string; text: string } | undefined;
  /** Experiment names or ids to push (all when empty). */
  only: readonly string[];
  /** Where the lines go, in payload order: every experiment, then each changed run (its config first, once). */
  write: (lines: string[]) => Promise<void>;
  onRun?: (index: number, total: number) => void;
}

/**
 * Read the store and keep what changed since the journal's last push: every experiment line (few, cheap), and the
 * runs whose lines differ from what was sent. A file-store run whose files are untouched is not even read.
 */
export async function collectRuns(
  store: MlflowStore,
  journal: RunJournal,
  o: CollectOptions,
): Promise<Collected> {
  const experiments = store
    .experiments()
    .filter((e) => o.only.length === 0 || o.only.includes(e.name) || o.only.includes(e.experimentId));
  const ids = new Set(experiments.map((e) => e.experimentId));
  const experimentLines = experiments.map((e) => formatLine(experimentRecord(e)));
  const experimentsHash = sha256Hex(experimentLines.join(''));
  await o.write(experimentLines);
  const handles = store.runHandles().filter((h) => ids.has(h.experimentId));
  const runs: ChangedRun[] = [];
  const configsSent = new Set<string>();
  let unchanged = 0;
  for (const [i, handle] of handles.entries()) {
    o.onRun?.(i + 1, handles.length);
    const changed = await changedRun(store, journal, handle, o, configsSent);
    if (changed === undefined) unchanged += 1;
    else runs.push(changed);
  }
  const experimentsChanged = journal.experiments !== experimentsHash;
  return { experimentLines, experimentsHash, experimentsChanged, runs, unchanged };
}

async function changedRun(
  store: MlflowStore,
  journal: RunJournal,
  handle: RunHandle,
  o: CollectOptions,
  configsSent: Set<string>,
): Promise<ChangedRun | undefined> {
  const before = journal.run(handle.runId);
  if (
    before !== undefined &&
    handle.quickFingerprint !== undefined &&
    before.quick === handle.quickFingerprint
  ) {
    return undefined;
  }
  const run = store.readRun(handle);
  const artifacts = listArtifacts(run.artifactDir, o.dataset, run.runId, o.policy);
  for (const a of artifacts) if (a.key !== null) a.digest = await digestFile(a.file);
  const config = configOf(run, artifacts, o.configFile);
  const configHash = config?.hash ?? null;
  const records: ExperimentsLine[] = [
    runRecord(run, configHash),
    ...metricRecords(run),
    ...artifacts.map((a) =>
      artifactRecord(run.runId, {
        path: a.path,
        bytes: a.bytes,
        sha256: a.digest?.sha256 ?? null,
        key: a.key,
      }),
    ),
  ];
  const lines = records.map(formatLine);
  const configLine = config === undefined ? undefined : formatLine(config);
  const content = sha256Hex([configLine ?? '', ...lines].join(''));
  if (before?.content === content) {
    journal.touch(run.runId, handle.quickFingerprint);
    return undefined;
  }
  const state: RunState = { content, status: run.status, batchId: '' };
  if (handle.quickFingerprint !== undefined) state.quick = handle.quickFingerprint;
  const out =
    configLine !== undefined && configHash !== null && !configsSent.has(configHash)
      ? [configLine, ...lines]
      : lines;
  if (configHash !== null) configsSent.add(configHash);
  await o.write(out);
  return {
    runId: run.runId,
    status: run.status,
    startTime: run.startTime,
    lineCount: out.length,
    uploads: artifacts.filter((a) => a.key !== null),
    state,
  };
}
