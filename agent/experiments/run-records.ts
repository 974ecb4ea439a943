import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { sha256Hex } from '../../core/digest.js';
import type {
  ArtifactRecord,
  ConfigRecord,
  ExperimentRecord,
  MetricRecord,
  RunRecord,
  RunStatus,
} from '../../core/experiments/lines.js';
import { configFields, derivedName, taskFromParams } from '../../core/experiments/model-config.js';
import { paramsConfigText, parseConfigYaml } from './qrun-yaml.js';
import type { StoreExperiment, StoreRun } from './store-model.js';

/** The lines of an experiment, in schema key order (the payload is byte-for-byte reproducible). */
export function experimentRecord(e: StoreExperiment): ExperimentRecord {
  return {
    type: 'experiment',
    experimentId: e.experimentId,
    name: e.name,
    artifactLocation: e.artifactLocation,
    lifecycleStage: e.lifecycleStage as ExperimentRecord['lifecycleStage'],
    creationTime: e.creationTime,
    lastUpdateTime: e.lastUpdateTime,
    tags: e.tags,
  };
}

export function runRecord(run: StoreRun, configHash: string | null): RunRecord {
  return {
    type: 'run',
    runId: run.runId,
    experimentId: run.experimentId,
    name: run.name,
    status: run.status as RunStatus,
    startTime: run.startTime,
    endTime: run.endTime,
    lifecycleStage: run.lifecycleStage as RunRecord['lifecycleStage'],
    artifactUri: run.artifactUri,
    configHash,
    params: run.params,
    tags: run.tags,
  };
}

export function metricRecords(run: StoreRun): MetricRecord[] {
  return [...run.metrics.entries()].map(([key, history]) => ({
    type: 'metric',
    runId: run.runId,
    key,
    history,
  }));
}

export function artifactRecord(
  runId: string,
  a: { path: string; bytes: number; sha256: string | null; key: string | null },
): ArtifactRecord {
  return { type: 'artifact', runId, path: a.path, bytes: a.bytes, sha256: a.sha256, key: a.key };
}

/** A workflow YAML a run stored as a text artifact (qrun keeps only a pickle; people log their YAML too). */
const YAML_ARTIFACT = /\.ya?ml$/i;
const MAX_YAML_BYTES = 1024 * 1024;

/**
 * The config of a run, in this order (docs/experiments.md): a workflow YAML among its artifacts (top level, a name
 * with "config" or "workflow" first), else the YAML given with --config-file, else the task params qlib logged.
 * undefined when there is none (a run not trained by qlib's trainer). The `config` artifact is a pickle: never read.
 */
export function configOf(
  run: StoreRun,
  artifacts: readonly { path: string; file: string }[],
  given: { name: string; text: string } | undefined,
): ConfigRecord | undefined {
  const candidates = artifacts
    .filter(
      (a) => !a.path.includes('/') && YAML_ARTIFACT.test(a.path) && statSync(a.file).size <= MAX_YAML_BYTES,
    )
    .sort((a, b) => preference(a.path) - preference(b.path) || (a.path < b.path ? -1 : 1));
  for (const a of candidates) {
    const text = readFileSync(a.file, 'utf8');
    const record = yamlConfig(a.path, text);
    if (record !== undefined) return record;
  }
  if (given !== undefined) {
    const record = yamlConfig(given.name, given.text);
    if (record !== undefined) return record;
  }
  const task = taskFromParams(run.params);
  if (task === undefined) return undefined;
  const text = paramsConfigText(task);
  const fields = configFields(task);
  return { type: 'config', hash: sha256Hex(text), source: 'params', name: derivedName(fields), text, fields };
}

function yamlConfig(name: string, text: string): ConfigRecord | undefined {
  const doc = parseConfigYaml(text);
  if (doc === undefined || (typeof doc.task !== 'object' && typeof doc.model !== 'object')) return undefined;
  return {
    type: 'config',
    hash: sha256Hex(text),
    source: 'yaml',
    name: basename(name).slice(0, 255),
    text,
    fields: configFields(doc),
  };
}

function preference(path: string): number {
  return /config|workflow/i.test(path) ? 0 : 1;
}
