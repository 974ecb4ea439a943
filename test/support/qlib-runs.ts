import { type MlflowModel, type ModelExperiment, type ModelRun, runId, T0 } from './mlflow-model.js';
import { createRandom } from './seeded-random.js';

/** What qlib's workflow records into a run (qlib/workflow/record_temp.py, qlib/model/trainer.py), for fixtures. */

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
export function qlibFigures(seed: number, at: number): Record<string, [number, number, number][]> {
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

/** Opaque bytes standing in for a pickle (never unpickled anywhere: only moved and hashed). */
export function pickleLike(seed: number, bytes: number): Buffer {
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
