import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../core/digest.js';
import { config, experiment, linesBatch, metric, newRunId, run, T } from '../experiments/lines-builder.js';
import { type ApiEnvironment, startApi } from './api-harness.js';

const STORE = 'node7';
const YAML_A = 'task:\n  model:\n    class: LGBModel\n    module_path: qlib.contrib.model.gbdt\n';
const YAML_B = 'task:\n  model:\n    class: XGBModel\n';
const HASH_A = sha256Hex(YAML_A);
const HASH_B = sha256Hex(YAML_B);

/**
 * Experiment results read back over the API as a web service or a training node does: experiments, runs sorted by a
 * summary column (keyset-paged, NULLs last), one run with its params, metric history, tags, config and a presigned
 * link that fetches the artifact's bytes from OSS, and the model configs as qrun's YAML.
 */
describe('experiments, runs and configs served', () => {
  let api: ApiEnvironment;
  let reader: string;
  const runs = {
    best: newRunId(),
    mid: newRunId(),
    none: newRunId(),
    none2: newRunId(),
    gone: newRunId(),
    other: newRunId(),
  };
  // Runs without the figure come last, by run id in the same direction.
  const nulls = (desc: boolean) => {
    const ascending = [runs.none, runs.none2].sort();
    return desc ? ascending.reverse() : ascending;
  };
  const artifact = randomBytes(300_000);
  const artifactKey = `artifacts/${STORE}/${runs.best}/params.pkl`;
  const steps = Array.from({ length: 2000 }, (_, i) => [i, T + i, i / 1000]);

  beforeAll(async () => {
    api = await startApi('experiments');
    reader = await api.token(['read:data'], 'trainer');
    await api.oss.put(artifactKey, artifact);
    const lines = [
      experiment('1', { name: 'alpha158_lgb', tags: { team: 'quant' } }),
      experiment('2', { name: 'alpha360_xgb' }),
      config(YAML_A, { name: 'lgb.yaml' }),
      config(YAML_B, { name: 'shared.yaml', fields: { ...fields(), modelClass: 'XGBModel' } }),
      run(runs.best, '1', { configHash: HASH_A, params: { lr: '0.05', 'model.class': 'LGBModel' } }),
      metric(runs.best, 'IC', [[0, T, 0.061]]),
      metric(runs.best, 'loss', steps),
      metric(runs.best, '1day.excess_return_with_cost.annualized_return', [[0, T, 0.12]]),
      {
        type: 'artifact',
        runId: runs.best,
        path: 'params.pkl',
        bytes: artifact.length,
        sha256: sha256Hex(artifact),
        key: artifactKey,
      },
      { type: 'artifact', runId: runs.best, path: 'pred.pkl', bytes: 10, sha256: null, key: null },
      // A key outside artifacts/ (a pusher's mistake or worse) is listed but never signed.
      { type: 'artifact', runId: runs.best, path: 'elsewhere', bytes: 1, sha256: null, key: 'status/x.json' },
      run(runs.mid, '1', { configHash: HASH_A }),
      metric(runs.mid, 'IC', [[0, T, 0.03]]),
      run(runs.none, '1'),
      run(runs.none2, '1'),
      run(runs.gone, '1', { lifecycleStage: 'deleted' }),
      metric(runs.gone, 'IC', [[0, T, 0.09]]),
      run(runs.other, '2', { configHash: HASH_B }),
      metric(runs.other, 'IC', [[0, T, 0.045]]),
    ];
    expect(await api.push(linesBatch(STORE, lines))).toMatchObject({ status: 'loaded' });
    // A second store with another config of the same name: a name that no longer names one config.
    const yamlC = 'task:\n  model:\n    class: CatBoostModel\n';
    const other = linesBatch('node8', [
      experiment('1', { name: 'cat' }),
      config(yamlC, { name: 'shared.yaml' }),
      run(newRunId(), '1', { configHash: sha256Hex(yamlC) }),
    ]);
    expect(await api.push(other)).toMatchObject({ status: 'loaded' });
  });

  afterAll(async () => {
    await api?.close();
  });

  it('lists the experiments of every store with their run counts and tags', async () => {
    const { status, body } = await api.json('/v1/experiments', reader);
    expect(status).toBe(200);
    expect(body.experiments).toEqual([
      expect.objectContaining({
        store: STORE,
        experimentId: '1',
        name: 'alpha158_lgb',
        runs: 5,
        tags: { team: 'quant' },
      }),
      expect.objectContaining({ store: STORE, experimentId: '2', name: 'alpha360_xgb', runs: 1 }),
      expect.objectContaining({ store: 'node8', experimentId: '1', name: 'cat', runs: 1 }),
    ]);
    expect((await api.json('/v1/experiments', await api.token(['read:status']))).status).toBe(403);
  });

  it('sorts runs by a summary column, NULLs last, deleted runs only when asked, page by page', async () => {
    const ids = async (query: string) => {
      const out: string[] = [];
      let next: string | null = null;
      do {
        const page: { status: number; body: { runs: { runId: string }[]; next: string | null } } =
          await api.json(`/v1/runs?${query}&limit=1${next === null ? '' : `&cursor=${next}`}`, reader);
        expect(page.status).toBe(200);
        out.push(...page.body.runs.map((r) => r.runId));
        next = page.body.next;
      } while (next !== null && out.length <= 20); // a cursor that never ends shows as too many runs
      return out;
    };
    expect(await ids('experiment=alpha158_lgb&order_by=ic')).toEqual([runs.best, runs.mid, ...nulls(true)]);
    expect(await ids('experiment=alpha158_lgb&order_by=ic&desc=false')).toEqual([
      runs.mid,
      runs.best,
      ...nulls(false),
    ]);
    expect(await ids('experiment=alpha158_lgb&order_by=ic&include_deleted=true')).toEqual([
      runs.gone,
      runs.best,
      runs.mid,
      ...nulls(true),
    ]);
    expect(await ids(`store=${STORE}&order_by=ic`)).toEqual([
      runs.best,
      runs.other,
      runs.mid,
      ...nulls(true),
    ]);

    const top = await api.json('/v1/runs?order_by=ann_return_with_cost_1day&limit=1', reader);
    expect(top.body.runs[0]).toMatchObject({
      runId: runs.best,
      experiment: 'alpha158_lgb',
      ic: 0.061,
      configHash: HASH_A,
      excessReturn1day: { withCost: { annualizedReturn: 0.12 } },
    });

    // The sort column is a name from a list, never an identifier from the request.
    const bad = await api.json('/v1/runs?order_by=ic;DROP TABLE runs&desc=maybe&cursor=zz', reader);
    expect(bad.status).toBe(400);
    const problems = bad.body.error.problems;
    expect(problems.map((p: { param: string }) => p.param).sort()).toEqual(['cursor', 'desc', 'order_by']);
    expect(problems.find((p: { param: string }) => p.param === 'order_by').message).toContain('rank_icir');
  });

  it('serves one run whole: params, every metric step, tags, its config and a working presigned artifact link', async () => {
    const { status, body } = await api.json(`/v1/runs/${runs.best}`, reader);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      runId: runs.best,
      store: STORE,
      experiment: 'alpha158_lgb',
      status: 'FINISHED',
      startTime: new Date(T + 1000).toISOString(),
      endTime: new Date(T + 2000).toISOString(),
      params: { lr: '0.05', 'model.class': 'LGBModel' },
      tags: { 'mlflow.user': 'quant' },
      config: { hash: HASH_A, name: 'lgb.yaml', modelClass: 'LGBModel', href: `/v1/configs/${HASH_A}` },
    });
    expect(body.metrics.IC).toEqual([{ step: 0, timestamp: T, value: 0.061, nonFinite: null }]);
    expect(body.metrics.loss.map((m: { step: number; value: number }) => [m.step, m.value])).toEqual(
      steps.map(([s, , v]) => [s, v]),
    );
    const [elsewhere, pkl, pred] = body.artifacts;
    expect(pred).toMatchObject({ path: 'pred.pkl', key: null, url: null });
    expect(elsewhere).toMatchObject({
      path: 'elsewhere',
      key: 'status/x.json',
      url: null,
      urlExpiresAt: null,
    });
    expect(pkl).toMatchObject({ path: 'params.pkl', bytes: artifact.length, key: artifactKey });
    const fetched = await fetch(pkl.url);
    expect(fetched.status).toBe(200);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(artifact)).toBe(true);
    // The link is the signature: change the key it names and OSS refuses it.
    const forged = await fetch(pkl.url.replace('params.pkl', 'other.pkl'));
    expect(forged.status).toBe(403);

    expect((await api.json(`/v1/runs/${newRunId()}`, reader)).status).toBe(404);
    expect((await api.json('/v1/runs/..%2F..%2Fetc', reader)).status).toBe(404);
  });

  it('lists model configs and gives one by hash, hash prefix or unique name, as JSON or the YAML qrun takes', async () => {
    const list = await api.json('/v1/configs', reader);
    expect(list.body.configs).toHaveLength(3);
    expect(list.body.configs).toContainEqual(
      expect.objectContaining({ hash: HASH_A, name: 'lgb.yaml', modelClass: 'LGBModel', runs: 2 }),
    );
    const byName = await api.json('/v1/configs/lgb.yaml', reader);
    expect(byName.body).toMatchObject({ hash: HASH_A, text: YAML_A, market: 'csi300' });
    const yaml = await api.call(`/v1/configs/${HASH_B.slice(0, 10)}?format=yaml`, reader);
    expect(yaml.headers.get('content-type')).toMatch(/^text\/yaml/);
    expect(yaml.headers.get('x-config-hash')).toBe(HASH_B);
    expect(await yaml.text()).toBe(YAML_B);
    const ambiguous = await api.json('/v1/configs/shared.yaml', reader);
    expect(ambiguous).toMatchObject({ status: 409, body: { error: { code: 'CONFIG_AMBIGUOUS' } } });
    expect(ambiguous.body.error.hint).toContain(HASH_B.slice(0, 12));
    expect((await api.json('/v1/configs/nothing.yaml', reader)).status).toBe(404);
    expect((await api.json(`/v1/configs/${HASH_A}?format=xml`, reader)).status).toBe(400);
  });
});

function fields() {
  return {
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
  };
}
