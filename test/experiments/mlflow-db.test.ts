import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeMlflowDb } from '../support/mlflow-db-fixture.js';
import { type MlflowModel, researchServerModel } from '../support/mlflow-model.js';
import { expectArtifacts, expectWarehouseEqualsSource } from './expect-source.js';
import { type ExperimentsEnv, experimentTables, startExperimentsEnv } from './harness.js';

const STORE = 'gpu_node3';

/** A training node whose MLflow keeps a SQLite store (MLflow's own schema), pushed and loaded. */
// Steps of one scenario: in order even under --sequence.shuffle.
describe.sequential('push-runs --mlflow-db, end to end into MariaDB', { shuffle: false }, () => {
  let e: ExperimentsEnv;
  let model: MlflowModel;
  let db: string;

  beforeAll(async () => {
    e = await startExperimentsEnv('exp_sqlite');
    model = researchServerModel();
    db = join(e.dir, 'mlflow.db');
    await writeMlflowDb(db, model, join(e.dir, 'artifacts'));
  });
  afterAll(async () => {
    await e?.close();
  });

  it('every experiment, run, param, tag and metric step in RDS equals the SQLite store (NaN and ±Inf flagged)', async () => {
    const pushed = await e.run(['push-runs', '--mlflow-db', db, '--dataset', STORE, '--json']);
    expect(pushed.stderr).not.toContain('"level":"error"');
    expect(pushed.code).toBe(0);
    expect(JSON.parse(pushed.stdout)).toMatchObject({
      status: 'uploaded',
      runs: model.runs.length,
      experiments: 4,
    });
    const [outcome] = await e.deliver();
    expect(outcome).toMatchObject({ status: 'loaded' });
    await expectWarehouseEqualsSource(e, STORE, model);
    const flags = await e.rows(
      "SELECT non_finite FROM run_metrics WHERE metric_key = 'grad.norm' ORDER BY seq",
    );
    expect(flags).toEqual([{ non_finite: 'inf' }, { non_finite: '-inf' }]);
  });

  it('uploads the artifacts the default policy selects (here all: each is under 16 MiB), byte for byte', async () => {
    for (const run of model.runs) await expectArtifacts(e, run, () => true);
  });

  it('a second push sends nothing', async () => {
    const again = await e.run(['push-runs', '--mlflow-db', db, '--dataset', STORE, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'unchanged', unchanged: model.runs.length });
  });

  it('the same runs pushed under another store name are refused (EXP_RUN_OTHER_STORE), nothing changes', async () => {
    const before = await experimentTables(e);
    const pushed = await e.run(['push-runs', '--mlflow-db', db, '--dataset', 'other_node', '--json']);
    expect(JSON.parse(pushed.stdout)).toMatchObject({ status: 'uploaded' });
    const [outcome] = await e.deliver();
    expect(outcome).toMatchObject({ status: 'rejected', code: 'EXP_RUN_OTHER_STORE' });
    expect(await experimentTables(e)).toEqual(before);
  });
});
