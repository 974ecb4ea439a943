import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBatchStatus } from '../../core/batch-status.js';
import { formatBatchKey, formatStatusKey } from '../../core/keys.js';
import { researchServerModel } from '../support/mlflow-model.js';
import { writeMlruns, writeRun } from '../support/mlruns-fixture.js';
import { workflowYaml } from '../support/qlib-runs.js';
import { type AgentHarness, startAgentHarness } from './agent-harness.js';

/** push-runs' own checks: usage first (exit 2), then the store (exit 4); a blocked batch uploads nothing. */
describe('qlib-sync push-runs: usage, input and the local rules', () => {
  let h: AgentHarness;
  beforeAll(async () => {
    h = await startAgentHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it.each([
    [['push-runs', '--dataset', 'x1'], 'give exactly one of --mlruns'],
    [['push-runs', '--mlruns', 'a', '--mlflow-db', 'b', '--dataset', 'x1'], 'give exactly one of --mlruns'],
    [['push-runs', '--mlruns', 'a', '--dataset', 'Bad-Name'], '--dataset "Bad-Name" must match'],
    [['push-runs', '--mlruns', 'a', '--dataset', 'x1', '--artifacts', 'some'], "argument 'some' is invalid"],
    [['push-runs', '--mlruns', 'a', '--dataset', 'x1', '--max-artifact-size', '3 apples'], 'expected a size'],
  ])('%j is a usage error (exit 2) before the config is read', async (args, message) => {
    const run = await h.run(args, { OSS_BUCKET: 'NOT A BUCKET' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it('a missing store is exit 4 and names it', async () => {
    const run = await h.run(['push-runs', '--mlruns', join(h.dir, 'nope'), '--dataset', 'x1']);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('MLRUNS_NOT_FOUND');
    const db = await h.run(['push-runs', '--mlflow-db', join(h.dir, 'nope.db'), '--dataset', 'x1']);
    expect(db.code).toBe(4);
    expect(db.stderr).toContain('MLFLOW_DB_NOT_FOUND');
  });

  it('a run the rules refuse (a param over 65,535 bytes) is not sent and named (exit 4); the others go up, and it goes once fixed', async () => {
    const model = researchServerModel();
    const mlruns = join(h.dir, 'mlruns-bad');
    writeMlruns(mlruns, model);
    const broken = model.runs[1];
    if (broken === undefined) throw new Error('fixture without runs');
    const fine = broken.params['model.kwargs.loss'];
    broken.params['model.kwargs.loss'] = 'x'.repeat(70_000);
    writeRun(mlruns, model, broken);
    const args = ['push-runs', '--mlruns', mlruns, '--dataset', 'x1', '--artifacts', 'none'];
    const run = await h.run(args);
    expect(run.code).toBe(4);
    expect(run.stdout).toContain(`refused 1 run(s), not sent`);
    expect(run.stdout).toContain(`${broken.id} (${broken.name}): EXP_PARAM_TOO_LONG`);
    const json = JSON.parse((await h.run([...args, '--json'])).stdout);
    expect(json).toMatchObject({
      status: 'unchanged',
      unchanged: model.runs.length - 1,
      refused: [{ runId: broken.id, codes: ['EXP_PARAM_TOO_LONG'] }],
    });
    const sent = (await manifestsOf(h)).flatMap((m) => m.runIds);
    expect(sent).toHaveLength(model.runs.length - 1);
    expect(sent).not.toContain(broken.id);

    broken.params['model.kwargs.loss'] = fine as string;
    writeRun(mlruns, model, broken);
    const fixed = await h.run([...args, '--json']);
    expect(fixed.code).toBe(0);
    expect(JSON.parse(fixed.stdout)).toMatchObject({ status: 'uploaded', runs: 1, refused: [] });
  });

  it('--help teaches the stores, the policy and what changed means', async () => {
    const run = await h.run(['push-runs', '--help']);
    expect(run.code).toBe(0);
    for (const text of [
      '--mlruns <dir>',
      '--mlflow-db <file>',
      '--artifacts <mode>',
      'never read',
      'Examples:',
    ]) {
      expect(run.stdout).toContain(text);
    }
  });
});

describe('qlib-sync push-runs: what goes into the batch', () => {
  let h: AgentHarness;
  let mlruns: string;
  beforeAll(async () => {
    h = await startAgentHarness();
    mlruns = join(h.dir, 'mlruns');
    writeMlruns(mlruns, researchServerModel());
  });
  afterAll(async () => {
    await h.close();
  });

  async function batchLines(batchId: string): Promise<Record<string, unknown>[]> {
    const key = `incoming/experiments/node7/${batchId}/data.jsonl.gz`;
    return gunzipSync(await h.store.get(key))
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
  }

  it('--experiment keeps to the named experiments; --config-file is the config of runs that stored no YAML', async () => {
    const yaml = join(h.dir, 'workflow_config_lightgbm_Alpha158.yaml');
    writeFileSync(yaml, workflowYaml());
    const run = await h.run([
      'push-runs',
      '--mlruns',
      mlruns,
      '--dataset',
      'node7',
      '--experiment',
      'lgb_tuning',
      '--config-file',
      yaml,
      '--artifacts',
      'none',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ status: 'uploaded', experiments: 1, runs: 1, artifacts: { uploaded: 0 } });
    const lines = await batchLines(result.batchId);
    expect(lines.map((l) => l.type)).toEqual([
      'experiment',
      'config',
      'run',
      'metric',
      'metric',
      'metric',
      'metric',
      'metric',
      'artifact',
    ]);
    expect(lines[1]).toMatchObject({
      source: 'yaml',
      name: 'workflow_config_lightgbm_Alpha158.yaml',
      text: workflowYaml(),
    });
    expect(lines[2]).toMatchObject({ name: 'lgb-long', configHash: lines[1]?.hash });
    expect(lines[8]).toMatchObject({ path: 'pred.pkl', key: null, sha256: null });
  });

  it('the runs of a batch ingest rejected are sent again at the next push-runs', async () => {
    const args = ['push-runs', '--mlruns', mlruns, '--dataset', 'node8', '--artifacts', 'none', '--json'];
    const first = JSON.parse((await h.run(args)).stdout);
    expect(first).toMatchObject({ status: 'uploaded', runs: 6 });
    expect(JSON.parse((await h.run(args)).stdout)).toMatchObject({ status: 'unchanged' });
    // what ingest writes when it quarantines a batch (core/batch-status.ts)
    const ref = { kind: 'experiments' as const, dataset: 'node8', batchId: first.batchId };
    const status = formatBatchStatus({
      formatVersion: 1,
      ...ref,
      status: 'rejected',
      at: new Date().toISOString(),
      code: 'EXP_RUN_OTHER_STORE',
      summary: 'EXP_RUN_OTHER_STORE: …',
      reasonKey: formatBatchKey({ ...ref, area: 'quarantine', file: 'reason.json' }),
      warnings: [],
    });
    await h.store.put(formatStatusKey(ref), status);
    const again = JSON.parse((await h.run(args)).stdout);
    expect(again).toMatchObject({ status: 'uploaded', runs: 6 });
    expect(again.batchId).not.toBe(first.batchId);
  });
});

/** The run ids in every experiments payload the agent uploaded. */
async function manifestsOf(h: AgentHarness): Promise<{ batchId: string; runIds: string[] }[]> {
  const out: { batchId: string; runIds: string[] }[] = [];
  for await (const o of h.store.list('incoming/experiments/')) {
    if (!o.key.endsWith('/data.jsonl.gz')) continue;
    const lines = gunzipSync(await h.store.get(o.key))
      .toString('utf8')
      .trimEnd()
      .split('\n');
    const runIds = lines
      .map((l) => JSON.parse(l))
      .filter((l) => l.type === 'run')
      .map((l) => String(l.runId));
    out.push({ batchId: o.key.split('/')[3] ?? '', runIds });
  }
  return out;
}
