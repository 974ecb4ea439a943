import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../../core/digest.js';
import { type Batch, makeBatch } from '../ingest/batch-builder.js';

/** Hand-made experiments lines (docs/batch-format.md §7), valid unless a test breaks them on purpose. */
export type Line = Record<string, unknown>;

export const T = 1_700_000_000_000;

export function experiment(id: string, extra: Partial<Line> = {}): Line {
  return {
    type: 'experiment',
    experimentId: id,
    name: `exp-${id}`,
    artifactLocation: null,
    lifecycleStage: 'active',
    creationTime: T,
    lastUpdateTime: T,
    tags: {},
    ...extra,
  };
}

export function run(runId: string, experimentId: string, extra: Partial<Line> = {}): Line {
  return {
    type: 'run',
    runId,
    experimentId,
    name: `run-${runId.slice(0, 6)}`,
    status: 'FINISHED',
    startTime: T + 1000,
    endTime: T + 2000,
    lifecycleStage: 'active',
    artifactUri: null,
    configHash: null,
    params: { 'model.class': 'LGBModel' },
    tags: { 'mlflow.user': 'quant' },
    ...extra,
  };
}

export function metric(runId: string, key: string, history: unknown[]): Line {
  return { type: 'metric', runId, key, history };
}

export function config(text: string, extra: Partial<Line> = {}): Line {
  return {
    type: 'config',
    hash: sha256Hex(text),
    source: 'yaml',
    name: 'workflow.yaml',
    text,
    fields: {
      modelClass: 'LGBModel',
      modelModule: null,
      datasetClass: null,
      datasetModule: null,
      handlerClass: null,
      handlerModule: null,
      market: 'csi300',
      benchmark: null,
      label: null,
      segments: { train: ['2008-01-01', '2014-12-31'] },
    },
    ...extra,
  };
}

export function newRunId(): string {
  return randomBytes(16).toString('hex');
}

/** An experiments batch of these lines (each JSON, or raw text when given a string). */
export function linesBatch(
  dataset: string,
  lines: (Line | string)[],
  options: { rowCount?: number; batchId?: string } = {},
): Batch {
  const text = lines.map((l) => `${typeof l === 'string' ? l : JSON.stringify(l)}\n`).join('');
  return makeBatch({
    dataset,
    kind: 'experiments',
    csv: text,
    rowCount: options.rowCount ?? lines.length,
    dateRange: { start: '2023-11-14', end: '2023-11-14' },
    ...(options.batchId === undefined ? {} : { batchId: options.batchId }),
  });
}
