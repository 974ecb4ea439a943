import { renameSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../core/digest.js';
import type { MlflowModel, ModelRun } from '../support/mlflow-model.js';
import { researchServerModel } from '../support/mlflow-model.js';
import { runDir, writeMlruns, writeMlrunsExperiments, writeRun } from '../support/mlruns-fixture.js';
import { workflowYaml } from '../support/qlib-runs.js';
import { expectArtifacts, expectRun, expectWarehouseEqualsSource } from './expect-source.js';
import { type ExperimentsEnv, experimentTables, startExperimentsEnv } from './harness.js';

const MIB = 1024 * 1024;
const STORE = 'research01';

/**
 * One research server's mlruns/ pushed, loaded, pushed again, then a run finishes: a multi-step scenario, so it
 * runs in order (describe.sequential), in its own database, OSS and journal.
 */
// Steps of one scenario: in order even under --sequence.shuffle.
describe.sequential('push-runs --mlruns, end to end into MariaDB', { shuffle: false }, () => {
  let e: ExperimentsEnv;
  let model: MlflowModel;
  let mlruns: string;
  const run = (name: string) => model.runs.find((r) => r.name === name) as ModelRun;
  const push = () =>
    e.run(['push-runs', '--mlruns', mlruns, '--dataset', STORE, '--artifacts', 'all', '--json']);

  beforeAll(async () => {
    e = await startExperimentsEnv('exp_push', { partSize: 4 * MIB, multipartThreshold: 8 * MIB });
    model = researchServerModel({ bigArtifactBytes: 50 * MIB });
    mlruns = join(e.dir, 'mlruns');
    writeMlruns(mlruns, model);
  });
  afterAll(async () => {
    await e?.close();
  });

  it('loads every experiment, run, param, tag and metric step exactly as recorded', async () => {
    const pushed = await push();
    expect(pushed.stderr).not.toContain('"level":"error"');
    expect(pushed.code).toBe(0);
    const result = JSON.parse(pushed.stdout);
    expect(result).toMatchObject({
      status: 'uploaded',
      kind: 'experiments',
      dataset: STORE,
      runs: 6,
      experiments: 4,
    });
    const outcomes = await e.deliver();
    expect(outcomes).toEqual([expect.objectContaining({ status: 'loaded', batchId: result.batchId })]);
    expect(outcomes[0]).toMatchObject({ warnings: ['EXP_METRIC_NON_FINITE'] });
    await expectWarehouseEqualsSource(e, STORE, model);
    // The deleted run and the experiment in .trash stay marked deleted; the running run has no end yet.
    expect(await e.rows('SELECT lifecycle_stage FROM runs WHERE run_id = ?', [run('bad-seed').id])).toEqual([
      { lifecycle_stage: 'deleted' },
    ]);
    expect(await e.rows("SELECT lifecycle_stage FROM experiments WHERE experiment_id = '3'")).toEqual([
      { lifecycle_stage: 'deleted' },
    ]);
    expect(
      await e.rows('SELECT status, end_time FROM runs WHERE run_id = ?', [run('still-training').id]),
    ).toEqual([{ status: 'RUNNING', end_time: null }]);
    const [steps] = await e.rows("SELECT COUNT(*) AS n FROM run_metrics WHERE metric_key = 'train.l2'");
    expect(Number(steps?.n)).toBe(3_000);
  });

  it('puts every artifact in OSS byte for byte under the run prefix, the 50 MiB model included, with size and SHA-256 in RDS', async () => {
    for (const r of model.runs) await expectArtifacts(e, r, () => true);
    const [big] = await e.rows("SELECT bytes FROM run_artifacts WHERE path = 'params.pkl'");
    expect(Number(big?.bytes)).toBe(50 * MIB);
  });

  it('stores each config once, linked from every run that used it, parsed enough to query', async () => {
    const configs = await e.rows('SELECT * FROM model_configs ORDER BY source, name');
    const yaml = configs.find((c) => c.source === 'yaml');
    expect(yaml).toMatchObject({
      config_hash: sha256Hex(workflowYaml()),
      name: 'workflow_config.yaml',
      config_text: workflowYaml(),
      model_class: 'LGBModel',
      model_module: 'qlib.contrib.model.gbdt',
      dataset_class: 'DatasetH',
      handler_class: 'Alpha158',
      handler_module: 'qlib.contrib.data.handler',
      market: 'csi300',
      benchmark: 'SH000300',
      train_start: '2008-01-01',
      train_end: '2014-12-31',
      valid_start: '2015-01-01',
      test_end: '2020-08-01',
    });
    const linked = await e.rows(
      'SELECT config_hash, COUNT(*) AS n FROM runs GROUP BY config_hash ORDER BY n DESC',
    );
    // the rerun, the deleted and the running run share one task: one config (from their params), three links
    expect(linked.map((l) => Number(l.n))).toEqual([3, 1, 1, 1]);
    const shared = configs.find((c) => c.config_hash === linked[0]?.config_hash);
    expect(shared).toMatchObject({
      source: 'params',
      name: 'LGBModel-Alpha158-csi300',
      market: 'csi300',
      train_start: '2008-01-01',
      test_end: '2020-08-01',
    });
    expect(configs).toHaveLength(4);
  });

  it('summarises each run with typed, sortable qlib figures and the snapshot it trained on', async () => {
    const r = run('lightgbm-alpha158');
    const [s] = await e.rows('SELECT * FROM run_summaries WHERE run_id = ?', [r.id]);
    const m = (key: string) => r.metrics[key]?.[0]?.[1];
    expect(s).toMatchObject({
      ic: m('IC'),
      icir: m('ICIR'),
      rank_ic: m('Rank IC'),
      rank_icir: m('Rank ICIR'),
      ann_return_with_cost_1day: m('1day.excess_return_with_cost.annualized_return'),
      info_ratio_with_cost_1day: m('1day.excess_return_with_cost.information_ratio'),
      max_drawdown_without_cost_1day: m('1day.excess_return_without_cost.max_drawdown'),
      model_class: 'LGBModel',
      snapshot_id: 'alpha158_cn@20240103T203000000Z-0b52e4772383',
    });
    const tuning = await e.rows('SELECT ic, rank_ic FROM run_summaries WHERE run_id = ?', [
      run('lgb-long').id,
    ]);
    expect(tuning).toEqual([{ ic: null, rank_ic: 0.032 }]); // IC was NaN; Rank IC logged twice: the latest
    const excess = await e.rows(
      'SELECT frequency, cost, mean FROM run_excess_returns WHERE run_id = ? ORDER BY cost',
      [r.id],
    );
    expect(excess).toEqual([
      { frequency: '1day', cost: 'with_cost', mean: m('1day.excess_return_with_cost.mean') },
      { frequency: '1day', cost: 'without_cost', mean: m('1day.excess_return_without_cost.mean') },
    ]);
    const order = await e.rows(
      "SELECT run_id FROM run_summaries WHERE experiment_id = '1' AND ic IS NOT NULL ORDER BY ic DESC",
    );
    expect(order).toHaveLength(2);
  });

  it("pushing again sends nothing and changes nothing, even when a run's files were touched", async () => {
    const before = await experimentTables(e);
    const writes: string[] = [];
    e.faults.current = (req) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') writes.push(`${req.method} ${req.key}`);
      return undefined;
    };
    // a run's files touched (rewritten with the same content): read again, found unchanged, not sent
    const touched = run('lgb-long');
    utimesSync(
      join(runDir(mlruns, model, touched), 'params', 'model.class'),
      new Date(),
      new Date(Date.now() + 5_000),
    );
    const again = await push();
    e.faults.current = undefined;
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'unchanged', unchanged: 6 });
    expect(await e.deliver()).toEqual([]);
    expect(await experimentTables(e)).toEqual(before);
    expect(writes).toEqual([]);
  });

  it('a run that finishes later is sent again alone and replaces its rows; the others keep theirs', async () => {
    const before = await e.rows('SELECT run_id, batch_id FROM runs ORDER BY run_id');
    const finishing = run('still-training');
    finishing.status = 'FINISHED';
    finishing.endTime = finishing.startTime + 600_000;
    finishing.metrics['train.loss']?.push([finishing.startTime + 500_000, 0.42, 1]);
    finishing.metrics.IC = [[finishing.startTime + 590_000, 0.051, 0]];
    writeRun(mlruns, model, finishing);
    const pushed = await push();
    expect(pushed.code).toBe(0);
    const result = JSON.parse(pushed.stdout);
    expect(result).toMatchObject({ status: 'uploaded', runs: 1, unchanged: 5 });
    const [outcome] = await e.deliver();
    expect(outcome).toMatchObject({
      status: 'loaded',
      restated: [before.find((b) => b.run_id === finishing.id)?.batch_id],
    });
    await expectRun(e, STORE, finishing);
    expect(await e.rows('SELECT ic, status FROM run_summaries WHERE run_id = ?', [finishing.id])).toEqual([
      { ic: 0.051, status: 'FINISHED' },
    ]);
    const after = await e.rows('SELECT run_id, batch_id FROM runs ORDER BY run_id');
    for (const b of before) {
      const now = after.find((a) => a.run_id === b.run_id);
      expect(now?.batch_id).toBe(b.run_id === finishing.id ? result.batchId : b.batch_id);
    }
    const events = await e.rows("SELECT detail FROM batch_events WHERE batch_id = ? AND event = 'restated'", [
      result.batchId,
    ]);
    expect(JSON.parse(String(events[0]?.detail))).toMatchObject({ runsReplaced: 1 });
    await expectWarehouseEqualsSource(e, STORE, model);
  });

  it('a run deleted later, and an experiment moved to .trash later, are marked deleted in RDS', async () => {
    const rerun = run('lightgbm-alpha158-rerun');
    rerun.lifecycleStage = 'deleted';
    writeRun(mlruns, model, rerun);
    const tuning = model.experiments.find(
      (x) => x.name === 'lgb_tuning',
    ) as MlflowModel['experiments'][number];
    tuning.lifecycleStage = 'deleted';
    tuning.lastUpdateTime = (tuning.lastUpdateTime ?? 0) + 1_000;
    // MLflow's delete_experiment: the directory moves to .trash/ and its meta.yaml says deleted
    renameSync(join(mlruns, '2'), join(mlruns, '.trash', '2'));
    writeMlrunsExperiments(mlruns, model);
    const pushed = await push();
    expect(JSON.parse(pushed.stdout)).toMatchObject({ status: 'uploaded', runs: 1 });
    expect(await e.deliver()).toEqual([expect.objectContaining({ status: 'loaded' })]);
    expect(await e.rows('SELECT lifecycle_stage FROM runs WHERE run_id = ?', [rerun.id])).toEqual([
      { lifecycle_stage: 'deleted' },
    ]);
    expect(await e.rows('SELECT lifecycle_stage FROM run_summaries WHERE run_id = ?', [rerun.id])).toEqual([
      { lifecycle_stage: 'deleted' },
    ]);
    await expectWarehouseEqualsSource(e, STORE, model);
  });
});
