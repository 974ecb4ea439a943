import { sha256Hex } from '../../core/digest.js';
import { ExperimentsInspector } from '../../core/experiments/inspector.js';
import { type ExperimentsLine, formatLine } from '../../core/experiments/lines.js';
import type { Finding } from '../../core/quality/findings.js';
import { type ArtifactPolicy, digestFile, listArtifacts, type RunArtifact } from './artifacts.js';
import type { RunJournal, RunState } from './run-journal.js';
import { artifactRecord, configOf, experimentRecord, metricRecords, runRecord } from './run-records.js';
import type { MlflowStore, RunHandle, StoreRun } from './store-model.js';

/** One run whose content changed since the last push (its lines went to the payload already). */
export interface ChangedRun {
  runId: string;
  status: string;
  startTime: number | null;
  lineCount: number;
  uploads: RunArtifact[];
  state: RunState;
}

/**
 * A run the rules refuse (say a param over 65,535 bytes): not sent, not remembered (tried again next time), and
 * not holding up the other runs.
 */
export interface RefusedRun {
  runId: string;
  name: string | null;
  findings: Finding[];
}

export interface Collected {
  experimentLines: string[];
  experimentsHash: string;
  experimentsChanged: boolean;
  runs: ChangedRun[];
  refused: RefusedRun[];
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
  const refused: RefusedRun[] = [];
  const configsSent = new Set<string>();
  let unchanged = 0;
  for (const [i, handle] of handles.entries()) {
    o.onRun?.(i + 1, handles.length);
    const verdict = await changedRun(store, journal, handle, o, configsSent);
    if (verdict.kind === 'same') unchanged += 1;
    else if (verdict.kind === 'changed') runs.push(verdict.run);
    else refused.push(verdict.refusal);
  }
  const experimentsChanged = journal.experiments !== experimentsHash;
  return { experimentLines, experimentsHash, experimentsChanged, runs, refused, unchanged };
}

type RunVerdict =
  | { kind: 'same' }
  | { kind: 'changed'; run: ChangedRun }
  | { kind: 'refused'; refusal: RefusedRun };

async function changedRun(
  store: MlflowStore,
  journal: RunJournal,
  handle: RunHandle,
  o: CollectOptions,
  configsSent: Set<string>,
): Promise<RunVerdict> {
  const before = journal.run(handle.runId);
  const quick = handle.quickFingerprint;
  if (before !== undefined && quick !== undefined && before.quick === quick) return { kind: 'same' };
  const run = store.readRun(handle);
  const read = await runLines(run, o);
  if (before?.content === read.content) {
    journal.touch(run.runId, quick);
    return { kind: 'same' };
  }
  const findings = blockingFindings([read.configLine ?? '', ...read.lines].filter((l) => l !== ''));
  if (findings.length > 0) {
    return { kind: 'refused', refusal: { runId: run.runId, name: run.name, findings } };
  }
  const state: RunState = { content: read.content, status: run.status, batchId: '' };
  if (quick !== undefined) state.quick = quick;
  const { configLine, configHash } = read;
  const first = configLine !== undefined && configHash !== null && !configsSent.has(configHash);
  const out = first ? [configLine, ...read.lines] : read.lines;
  if (configHash !== null) configsSent.add(configHash);
  await o.write(out);
  const uploads = read.artifacts.filter((a) => a.key !== null);
  const { runId, status, startTime } = run;
  return { kind: 'changed', run: { runId, status, startTime, lineCount: out.length, uploads, state } };
}

/** A run's lines as they would be sent (its artifacts hashed when uploaded), and the hash of their content. */
async function runLines(run: StoreRun, o: CollectOptions) {
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
  return { artifacts, configHash, configLine, lines, content };
}

/** The blocking findings of one run's lines under the rules ingest applies (its experiment and config are known). */
function blockingFindings(lines: readonly string[]): Finding[] {
  const inspector = new ExperimentsInspector(Number.NaN, sha256Hex);
  lines.forEach((text, i) => {
    const record = inspector.line(text.slice(0, -1), i + 1);
    if (record !== undefined) inspector.accept(record, i + 1, { experiment: true, config: true });
  });
  // The run's own lines only: a run line that failed makes its metrics "unknown run" too, which says nothing new.
  const consequences = ['ROW_COUNT_MISMATCH', 'EXP_RUN_UNKNOWN'];
  return inspector.finish().findings.filter((f) => f.severity === 'block' && !consequences.includes(f.code));
}
