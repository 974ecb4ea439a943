import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { TerminalError } from '../../core/errors.js';
import type { MetricPoint } from '../../core/experiments/lines.js';
import { listDirs, walkFiles } from './file-tree.js';
import {
  compareIds,
  type MlflowStore,
  metricValueOf,
  RUN_STATUS_BY_NUMBER,
  type RunHandle,
  type StoreExperiment,
  type StoreRun,
} from './store-model.js';

/**
 * MLflow's file store, as qlib's recorder writes it (mlflow/store/tracking/file_store.py):
 *   <root>/<experiment id>/meta.yaml, tags/<key>            an experiment
 *   <root>/<experiment id>/<run id>/meta.yaml                the run info (status as 1..5, times in ms)
 *   …/<run id>/params/<key>, tags/<key>                      value = the file's content; a key with / is a path
 *   …/<run id>/metrics/<key>                                 one line per logged value: `<ts ms> <value> <step>`
 *   …/<run id>/artifacts/…                                   opaque files (pickles: never unpickled)
 *   <root>/.trash/<experiment id>/…                          a deleted experiment, kept with its runs
 */
export class MlrunsStore implements MlflowStore {
  private readonly experimentDirs = new Map<string, string>();

  constructor(readonly location: string) {
    if (!existsSync(location) || !statSync(location).isDirectory()) {
      throw new TerminalError(
        'MLRUNS_NOT_FOUND',
        `no MLflow file store at ${location} (expected a directory)`,
      );
    }
    for (const base of [location, join(location, '.trash')]) {
      for (const name of listDirs(base)) {
        if (name === '.trash' || !existsSync(join(base, name, 'meta.yaml'))) continue;
        this.experimentDirs.set(name, join(base, name));
      }
    }
  }

  experiments(): StoreExperiment[] {
    return [...this.experimentDirs.entries()]
      .sort(([a], [b]) => compareIds(a, b))
      .map(([id, dir]) => {
        const meta = readMeta(join(dir, 'meta.yaml'));
        return {
          experimentId: String(meta.experiment_id ?? id),
          name: String(meta.name ?? ''),
          artifactLocation: textOrNull(meta.artifact_location),
          lifecycleStage: String(meta.lifecycle_stage ?? 'active'),
          creationTime: intOrNull(meta.creation_time),
          lastUpdateTime: intOrNull(meta.last_update_time),
          tags: readKeyFiles(join(dir, 'tags')),
        };
      });
  }

  runHandles(): RunHandle[] {
    const handles: RunHandle[] = [];
    for (const [experimentId, dir] of this.experimentDirs) {
      for (const name of listDirs(dir)) {
        const runDir = join(dir, name);
        if (name === 'tags' || !existsSync(join(runDir, 'meta.yaml'))) continue;
        handles.push({ runId: name, experimentId, quickFingerprint: treeFingerprint(runDir) });
      }
    }
    return handles.sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0));
  }

  readRun(handle: RunHandle): StoreRun {
    const runDir = join(this.experimentDirs.get(handle.experimentId) as string, handle.runId);
    const meta = readMeta(join(runDir, 'meta.yaml'));
    const tags = readKeyFiles(join(runDir, 'tags'));
    const artifactUri = textOrNull(meta.artifact_uri);
    return {
      runId: String(meta.run_id ?? meta.run_uuid ?? handle.runId),
      experimentId: String(meta.experiment_id ?? handle.experimentId),
      // MLflow 2 keeps run_name in meta.yaml; MLflow 1 (qlib's pin) only the mlflow.runName tag.
      name: textOrNull(meta.run_name) ?? tags['mlflow.runName'] ?? null,
      status: statusOf(meta.status),
      startTime: intOrNull(meta.start_time),
      endTime: intOrNull(meta.end_time),
      lifecycleStage: String(meta.lifecycle_stage ?? 'active'),
      artifactUri,
      params: readKeyFiles(join(runDir, 'params')),
      tags,
      metrics: readMetrics(join(runDir, 'metrics')),
      artifactDir: artifactDirOf(artifactUri, join(runDir, 'artifacts')),
    };
  }

  close(): void {}
}

function readMeta(path: string): Record<string, unknown> {
  try {
    const doc: unknown = parse(readFileSync(path, 'utf8'));
    if (typeof doc === 'object' && doc !== null) return doc as Record<string, unknown>;
  } catch (cause) {
    throw new TerminalError('MLRUNS_CORRUPT', `${path} is not YAML: ${(cause as Error).message}`, { cause });
  }
  throw new TerminalError('MLRUNS_CORRUPT', `${path} is not a YAML mapping`);
}

function statusOf(value: unknown): string {
  if (typeof value === 'number') return RUN_STATUS_BY_NUMBER[value] ?? String(value);
  return String(value ?? 'RUNNING');
}

/** Every file under `dir`, its relative path with `/` as the key and its content as the value. */
function readKeyFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const path of walkFiles(dir)) out[keyOf(dir, path)] = readFileSync(path, 'utf8');
  return sortKeys(out);
}

/** mlflow file_store `_get_metric_from_line`: `<timestamp> <value> [<step>]`, step 0 when absent. */
function readMetrics(dir: string): Map<string, MetricPoint[]> {
  const metrics = new Map<string, MetricPoint[]>();
  const files = walkFiles(dir).map((path) => [keyOf(dir, path), path] as const);
  for (const [key, path] of files.sort(([a], [b]) => (a < b ? -1 : 1))) {
    metrics.set(key, metricPoints(readFileSync(path, 'utf8')));
  }
  return metrics;
}

/** One point per non-empty line; fields cut by indexOf (a store holds millions of values). */
function metricPoints(text: string): MetricPoint[] {
  const points: MetricPoint[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line === '') continue;
    const a = line.indexOf(' ');
    const b = a < 0 ? -1 : line.indexOf(' ', a + 1);
    const ts = a < 0 ? line : line.slice(0, a);
    const value = a < 0 ? '' : b < 0 ? line.slice(a + 1) : line.slice(a + 1, b);
    const step = b < 0 ? '0' : line.slice(b + 1);
    points.push([Number(step), Number(ts), metricValueOf(value) as MetricPoint[2]]);
  }
  return points;
}

/** artifact_uri is absolute (mlflow#184): when the store was copied from another machine, use the run's own dir. */
function artifactDirOf(uri: string | null, fallback: string): string | undefined {
  let path: string | undefined;
  if (uri?.startsWith('file:')) path = fileURLToPath(uri);
  else if (uri?.startsWith('/')) path = uri;
  if (path !== undefined && existsSync(path)) return path;
  return existsSync(fallback) ? fallback : undefined;
}

/** Paths, sizes and mtimes of every file under a run: a new metric value, param or artifact changes it. */
function treeFingerprint(dir: string): string {
  const hash = createHash('sha256');
  for (const path of walkFiles(dir).sort()) {
    const s = statSync(path);
    hash.update(`${relative(dir, path)}\0${s.size}\0${s.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

function keyOf(dir: string, path: string): string {
  return relative(dir, path).split(sep).join('/');
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function textOrNull(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function intOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
