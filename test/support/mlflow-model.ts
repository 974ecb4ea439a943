import { randomBytes } from 'node:crypto';
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

const T0 = 1_700_000_000_000;

/** qlib's flattened task params of examples/benchmarks/LightGBM/workflow_config_lightgbm_Alpha158.yaml, as logged. */
export function lightgbmParams(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    'model.class': 'LGBModel',
    'model.module_path': 'qlib.contrib.model.gbdt',
    'model.kwargs.loss': 'mse',
    'model.kwargs.colsample_bytree': '0.8879',
    'model.kwargs.learning_rate': '0.2',
    'model.kwargs.subsample': '0.8789',
    'model.kwargs.lambda_l1': '205.6999',
    'model.kwargs.lambda_l2': '580.9768',
    'model.kwargs.max_depth': '8',
    'model.kwargs.num_leaves': '210',
    'model.kwargs.num_threads': '20',
    'dataset.class': 'DatasetH',
    'dataset.module_path': 'qlib.data.dataset',
    'dataset.kwargs.handler.class': 'Alpha158',
    'dataset.kwargs.handler.module_path': 'qlib.contrib.data.handler',
    'dataset.kwargs.handler.kwargs.start_time': '2008-01-01',
    'dataset.kwargs.handler.kwargs.end_time': '2020-08-01',
    'dataset.kwargs.handler.kwargs.fit_start_time': '2008-01-01',
    'dataset.kwargs.handler.kwargs.fit_end_time': '2014-12-31',
    'dataset.kwargs.handler.kwargs.instruments': 'csi300',
    'dataset.kwargs.segments.train': '[datetime.date(2008, 1, 1), datetime.date(2014, 12, 31)]',
    'dataset.kwargs.segments.valid': '[datetime.date(2015, 1, 1), datetime.date(2016, 12, 31)]',
    'dataset.kwargs.segments.test': '[datetime.date(2017, 1, 1), datetime.date(2020, 8, 1)]',
    record:
      "[{'class': 'SignalRecord', 'module_path': 'qlib.workflow.record_temp', 'kwargs': {'model': '<MODEL>', 'dataset': '<DATASET>'}}, {'class': 'SigAnaRecord', 'module_path': 'qlib.workflow.record_temp', 'kwargs': {'ana_long_short': False, 'ann_scaler': 252}}]",
    'cmd-sys.argv': "['/usr/local/bin/qrun', 'workflow_config_lightgbm_Alpha158.yaml']",
    ...overrides,
  };
}

/** What SigAnaRecord and PortAnaRecord log for one run (qlib/workflow/record_temp.py). */
function qlibFigures(seed: number, at: number): Record<string, [number, number, number][]> {
  const random = createRandom(seed);
  const m: Record<string, [number, number, number][]> = {};
  const put = (key: string, value: number) => {
    m[key] = [[at, value, 0]];
  };
  put('IC', 0.04 + random() / 100);
  put('ICIR', 0.3 + random() / 10);
  put('Rank IC', 0.05 + random() / 100);
  put('Rank ICIR', 0.4 + random() / 10);
  for (const cost of ['without_cost', 'with_cost']) {
    put(`1day.excess_return_${cost}.mean`, 0.0004 + random() / 1e4);
    put(`1day.excess_return_${cost}.std`, 0.004 + random() / 1e3);
    put(`1day.excess_return_${cost}.annualized_return`, 0.1 + random() / 10);
    put(`1day.excess_return_${cost}.information_ratio`, 1.2 + random());
    put(`1day.excess_return_${cost}.max_drawdown`, -0.05 - random() / 10);
  }
  put('1day.ffr', 1);
  put('1day.pa', 0);
  put('1day.pos', 0);
  return m;
}

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

/** Opaque bytes standing in for a pickle (never unpickled anywhere: only moved and hashed). */
function pickleLike(seed: number, bytes: number): Buffer {
  const random = createRandom(seed);
  const out = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < bytes; i++) out[i] = Math.floor(random() * 256);
  if (bytes >= 2) {
    out[0] = 0x80; // pickle protocol 4 opcode
    out[1] = 0x04;
  }
  return out;
}

/** The workflow YAML a person gave qrun (qlib examples/benchmarks/LightGBM, shortened). */
export function workflowYaml(): string {
  return `qlib_init:
    provider_uri: "~/.qlib/qlib_data/cn_data"
    region: cn
market: &market csi300
benchmark: &benchmark SH000300
data_handler_config: &data_handler_config
    start_time: 2008-01-01
    end_time: 2020-08-01
    fit_start_time: 2008-01-01
    fit_end_time: 2014-12-31
    instruments: *market
task:
    model:
        class: LGBModel
        module_path: qlib.contrib.model.gbdt
        kwargs:
            loss: mse
            learning_rate: 0.2
            max_depth: 8
            num_leaves: 210
    dataset:
        class: DatasetH
        module_path: qlib.data.dataset
        kwargs:
            handler:
                class: Alpha158
                module_path: qlib.contrib.data.handler
                kwargs: *data_handler_config
            segments:
                train: [2008-01-01, 2014-12-31]
                valid: [2015-01-01, 2016-12-31]
                test: [2017-01-01, 2020-08-01]
`;
}

/** One small qrun-like run (the demo's): experiment "workflow", its YAML, qlib's figures, a few small artifacts. */
export function qrunDemoModel(): MlflowModel {
  const id = runId();
  const run: ModelRun = {
    id,
    experimentId: '1',
    name: 'lightgbm-alpha158',
    status: 'FINISHED',
    startTime: T0,
    endTime: T0 + 1_800_000,
    lifecycleStage: 'active',
    params: lightgbmParams(),
    tags: {
      'mlflow.runName': 'lightgbm-alpha158',
      'mlflow.user': 'quant',
      hostname: 'research-01',
      'qlib_sync.snapshot': 'cn_daily@demo',
    },
    metrics: {
      ...qlibFigures(5, T0 + 1_700_000),
      'train.l2': Array.from({ length: 100 }, (_, step) => [T0 + 1_000 + step * 50, 1 / (step + 1), step]),
    },
    artifacts: {
      'workflow_config.yaml': Buffer.from(workflowYaml()),
      'params.pkl': pickleLike(41, 120_000),
      'pred.pkl': pickleLike(42, 30_000),
      'sig_analysis/ic.pkl': pickleLike(43, 2_000),
    },
  };
  const experiment: ModelExperiment = {
    id: '1',
    name: 'workflow',
    lifecycleStage: 'active',
    creationTime: T0 - 60_000,
    lastUpdateTime: T0 - 60_000,
    tags: {},
  };
  return { experiments: [experiment], runs: [run] };
}
