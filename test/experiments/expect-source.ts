import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { MlflowModel, ModelRun } from '../support/mlflow-model.js';
import type { ExperimentsEnv } from './harness.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A DATETIME(3) as MariaDB returns it ('2023-11-15 03:46:40' drops a zero fraction) → epoch milliseconds. */
export function msOf(value: unknown): number | null {
  return value === null ? null : Date.parse(`${String(value).replace(' ', 'T')}Z`);
}

function flagOf(value: number): string | null {
  if (Number.isNaN(value)) return 'nan';
  if (value === Number.POSITIVE_INFINITY) return 'inf';
  if (value === Number.NEGATIVE_INFINITY) return '-inf';
  return null;
}

/** Every experiment, run, param, tag, metric value (step and timestamp) in RDS equals the source model. */
export async function expectWarehouseEqualsSource(
  e: ExperimentsEnv,
  store: string,
  model: MlflowModel,
): Promise<void> {
  for (const x of model.experiments) {
    const [row] = await e.rows('SELECT * FROM experiments WHERE store = ? AND experiment_id = ?', [
      store,
      x.id,
    ]);
    expect(row, `experiment ${x.id}`).toMatchObject({ name: x.name, lifecycle_stage: x.lifecycleStage });
    expect([msOf(row?.created_at), msOf(row?.updated_at)]).toEqual([x.creationTime, x.lastUpdateTime]);
    const tags = await e.rows(
      'SELECT tag_key, tag_value FROM experiment_tags WHERE store = ? AND experiment_id = ?',
      [store, x.id],
    );
    expect(Object.fromEntries(tags.map((t) => [t.tag_key, t.tag_value]))).toEqual(x.tags);
  }
  const [count] = await e.rows('SELECT COUNT(*) AS n FROM runs WHERE store = ?', [store]);
  expect(Number(count?.n)).toBe(model.runs.length);
  for (const run of model.runs) await expectRun(e, store, run);
}

export async function expectRun(e: ExperimentsEnv, store: string, run: ModelRun): Promise<void> {
  const [row] = await e.rows('SELECT * FROM runs WHERE run_id = ?', [run.id]);
  expect(row, `run ${run.id}`).toMatchObject({
    store,
    experiment_id: run.experimentId,
    run_name: run.name,
    status: run.status,
    lifecycle_stage: run.lifecycleStage,
  });
  expect([msOf(row?.start_time), msOf(row?.end_time)]).toEqual([run.startTime, run.endTime]);
  const params = await e.rows('SELECT param_key, param_value FROM run_params WHERE run_id = ?', [run.id]);
  expect(Object.fromEntries(params.map((p) => [p.param_key, p.param_value]))).toEqual(run.params);
  const tags = await e.rows('SELECT tag_key, tag_value FROM run_tags WHERE run_id = ?', [run.id]);
  expect(Object.fromEntries(tags.map((t) => [t.tag_key, t.tag_value]))).toEqual(run.tags);
  const metrics = await e.rows(
    'SELECT metric_key, seq, step, ts_ms, value, non_finite FROM run_metrics WHERE run_id = ? ORDER BY metric_key, seq',
    [run.id],
  );
  const stored: Record<string, unknown[]> = {};
  for (const m of metrics) {
    const list = stored[m.metric_key] ?? [];
    stored[m.metric_key] = list;
    list.push([Number(m.ts_ms), m.value, Number(m.step), m.non_finite]);
  }
  const expected: Record<string, unknown[]> = {};
  for (const [key, points] of Object.entries(run.metrics)) {
    expected[key] = points.map(([ts, value, step]) => [
      ts,
      flagOf(value) === null ? value : null,
      step,
      flagOf(value),
    ]);
  }
  expect(stored).toEqual(expected);
}

/** Every artifact is listed with its size; the uploaded ones carry SHA-256 and a key whose object is the file. */
export async function expectArtifacts(
  e: ExperimentsEnv,
  run: ModelRun,
  uploaded: (path: string) => boolean,
): Promise<void> {
  const rows = await e.rows(
    'SELECT path, bytes, sha256, object_key FROM run_artifacts WHERE run_id = ? ORDER BY path',
    [run.id],
  );
  expect(rows.map((r) => r.path)).toEqual(Object.keys(run.artifacts).sort());
  for (const r of rows) {
    const bytes = run.artifacts[r.path] as Buffer;
    expect(Number(r.bytes)).toBe(bytes.length);
    if (!uploaded(r.path)) {
      expect(r.object_key).toBeNull();
      continue;
    }
    expect(r.sha256).toBe(sha256(bytes));
    expect(r.object_key).toMatch(new RegExp(`^artifacts/[a-z0-9_]+/${run.id}/`));
    const object = await e.store.get(String(r.object_key));
    expect(object.length).toBe(bytes.length);
    expect(sha256(object)).toBe(sha256(bytes));
  }
}
