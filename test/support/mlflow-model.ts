import { randomBytes } from 'node:crypto';
import { lightgbmParams, pickleLike, qlibFigures, workflowYaml } from './qlib-runs.js';
import { createRandom, normal } from './seeded-random.js';

/**
 * The experiments of a qlib research server as a test's source of truth: what qlib's recorder (R / qrun, through
 * MLflow) recorded. mlruns-fixture.ts lays it out as MLflow's file store, mlflow-db-fixture.ts as MLflow's SQLite
 * store; tests compare what lands in RDS with this model, never with what our reader made of it.
 */
export interface ModelExperiment {
  id: string;
  name: string;
  lifecycleStage: 'active' | 'deleted';
  creationTime: number | null;
  lastUpdateTime: number | null;
  tags: Record<string, string>;
}

export type MetricValue = number; // NaN and ±Infinity included: MLflow logs them
export interface ModelRun {
  id: string;
  experimentId: string;
  name: string | null;
  status: 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
  startTime: number;
  endTime: number | null;
  lifecycleStage: 'active' | 'deleted';
  params: Record<string, string>;
  tags: Record<string, string>;
  /** key → [timestamp ms, value, step] in logging order. */
  metrics: Record<string, [number, MetricValue, number][]>;
  /** relative path → bytes. */
  artifacts: Record<string, Buffer>;
}

export interface MlflowModel {
  experiments: ModelExperiment[];
  runs: ModelRun[];
}

export const T0 = 1_700_000_000_000;

/** A run id as MLflow makes them: uuid4 hex. */
export function runId(): string {
  return randomBytes(16).toString('hex');
}

/**
 * Several experiments as a research server has them: the Default one (MLflow 1's meta.yaml without times),
 * "workflow" (qrun's) with a finished run that saved its workflow YAML, a second finished run with the same task, a
 * deleted run and a running one; "lgb_tuning" with a run of thousands of metric steps, long params and a NaN; and a
 * deleted experiment moved to .trash. `bigArtifact` bytes go to the finished run as the trained model (params.pkl).
 */
export function researchServerModel(options: { bigArtifactBytes?: number } = {}): MlflowModel {
  const random = createRandom(7);
  const yamlConfig = workflowYaml();
  const base = { lifecycleStage: 'active' as const, creationTime: null, lastUpdateTime: null, tags: {} };
  const experiments: ModelExperiment[] = [
    { ...base, id: '0', name: 'Default' },
    {
      ...base,
      id: '1',
      name: 'workflow',
      creationTime: T0 - 86_400_000,
      lastUpdateTime: T0 - 86_400_000,
      tags: { 'mlflow.note.content': 'qrun LightGBM Alpha158' },
    },
    { ...base, id: '2', name: 'lgb_tuning', creationTime: T0, lastUpdateTime: T0 + 5 },
    {
      ...base,
      id: '3',
      name: 'abandoned',
      lifecycleStage: 'deleted',
      creationTime: T0 - 1000,
      lastUpdateTime: T0 + 9,
    },
  ];
  const tags = (name: string) => ({
    'mlflow.runName': name,
    'mlflow.user': 'quant',
    'mlflow.source.name': '/usr/local/bin/qrun',
    'mlflow.source.type': 'LOCAL',
    'mlflow.source.git.commit': 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    hostname: 'research-01',
  });
  const qrunArtifacts = (seed: number): Record<string, Buffer> => ({
    config: pickleLike(seed, 3_000),
    task: pickleLike(seed + 1, 2_000),
    'pred.pkl': pickleLike(seed + 2, 40_000),
    'label.pkl': pickleLike(seed + 3, 20_000),
    'sig_analysis/ic.pkl': pickleLike(seed + 4, 3_000),
    'sig_analysis/ric.pkl': pickleLike(seed + 5, 3_000),
    'portfolio_analysis/report_normal_1day.pkl': pickleLike(seed + 6, 30_000),
    'code_diff.txt': Buffer.from('diff --git a/workflow.py b/workflow.py\n+# tuned\n'),
  });
  const finished: ModelRun = {
    id: runId(),
    experimentId: '1',
    name: 'lightgbm-alpha158',
    status: 'FINISHED',
    startTime: T0 + 1_000,
    endTime: T0 + 3_600_000,
    lifecycleStage: 'active',
    params: lightgbmParams(),
    tags: {
      ...tags('lightgbm-alpha158'),
      'qlib_sync.snapshot': 'alpha158_cn@20240103T203000000Z-0b52e4772383',
    },
    metrics: qlibFigures(1, T0 + 3_500_000),
    artifacts: {
      ...qrunArtifacts(10),
      'workflow_config.yaml': Buffer.from(yamlConfig),
      'params.pkl': pickleLike(99, options.bigArtifactBytes ?? 200_000),
    },
  };
  const again: ModelRun = {
    ...finished,
    id: runId(),
    name: 'lightgbm-alpha158-rerun',
    startTime: T0 + 7_200_000,
    endTime: T0 + 10_000_000,
    tags: tags('lightgbm-alpha158-rerun'),
    metrics: qlibFigures(2, T0 + 9_000_000),
    artifacts: qrunArtifacts(20),
  };
  const deleted: ModelRun = {
    ...again,
    id: runId(),
    name: 'bad-seed',
    lifecycleStage: 'deleted',
    status: 'FAILED',
    tags: tags('bad-seed'),
    metrics: {},
    artifacts: { 'code_diff.txt': Buffer.from('x') },
  };
  const running: ModelRun = {
    ...again,
    id: runId(),
    name: 'still-training',
    status: 'RUNNING',
    startTime: T0 + 20_000_000,
    endTime: null,
    tags: tags('still-training'),
    metrics: { 'train.loss': [[T0 + 20_000_500, 0.99, 0]] },
    artifacts: {},
  };
  const steps = (offset: number): [number, number, number][] =>
    Array.from({ length: 3_000 }, (_, step) => [
      T0 + 30_000_000 + step * 37,
      Math.exp(-step / 900) + offset + normal(random) / 1e4,
      step,
    ]);
  const tuning: ModelRun = {
    id: runId(),
    experimentId: '2',
    name: 'lgb-long',
    status: 'FINISHED',
    startTime: T0 + 30_000_000,
    endTime: T0 + 30_200_000,
    lifecycleStage: 'active',
    params: lightgbmParams({
      'model.kwargs.num_leaves': '64',
      'dataset.kwargs.handler.kwargs.infer_processors': `[${Array.from({ length: 160 }, (_, i) => `{'class': 'RobustZScoreNorm', 'kwargs': {'fields_group': 'feature', 'clip_outlier': True, 'col': 'FEATURE_${i}'}}`).join(', ')}]`,
      'notes/long': 'n'.repeat(6_000),
    }),
    tags: { ...tags('lgb-long'), 'mlflow.note.content': 'line one\nline two — ünïcode\n' },
    metrics: {
      'train.l2': steps(0.1),
      'valid.l2': steps(0.2),
      IC: [[T0 + 30_150_000, Number.NaN, 0]],
      'Rank IC': [
        [T0 + 30_150_000, 0.031, 0],
        [T0 + 30_150_000, 0.032, 0],
      ],
      'grad.norm': [
        [T0 + 30_150_001, Number.POSITIVE_INFINITY, 0],
        [T0 + 30_150_002, Number.NEGATIVE_INFINITY, 1],
      ],
    },
    artifacts: { 'pred.pkl': pickleLike(30, 10_000) },
  };
  const trashed: ModelRun = {
    ...tuning,
    id: runId(),
    experimentId: '3',
    name: 'abandoned-run',
    params: { 'model.class': 'XGBModel' },
    tags: tags('abandoned-run'),
    metrics: { IC: [[T0 + 40_000_000, 0.01, 0]] },
    artifacts: {},
  };
  return { experiments, runs: [finished, again, deleted, running, tuning, trashed] };
}
