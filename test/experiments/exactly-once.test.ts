import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DirectEnv, startDirect } from '../ingest/harness.js';
import { experiment, linesBatch, metric, newRunId, run, T } from './lines-builder.js';

const STORE = 'once';

/** Exactly once and all or nothing for experiments batches, at the ingest function. Each test has its own runs. */
describe('experiments batches: exactly once, all or nothing', () => {
  let env: DirectEnv;

  beforeAll(async () => {
    env = await startDirect('exp_once');
  });
  afterAll(async () => {
    await env?.close();
  });

  const runRow = async (runId: string) =>
    (await env.query('SELECT status, batch_id FROM runs WHERE run_id = ?', [runId]))[0];
  const params = async (runId: string) =>
    Object.fromEntries(
      (await env.query('SELECT param_key, param_value FROM run_params WHERE run_id = ?', [runId])).map(
        (p) => [p.param_key, p.param_value],
      ),
    );

  it('the same content twice loads once: the second batch is a duplicate and changes nothing', async () => {
    const runId = newRunId();
    const lines = [experiment('1'), run(runId, '1'), metric(runId, 'IC', [[0, T, 0.05]])];
    const first = linesBatch(STORE, lines);
    expect(await env.ingest(first)).toMatchObject({ status: 'loaded', rowsLoaded: 3 });
    const twin = linesBatch(STORE, lines);
    expect(twin.batchId).not.toBe(first.batchId);
    expect(twin.manifest.payload.sha256).toBe(first.manifest.payload.sha256);
    expect(await env.ingest(twin)).toMatchObject({ status: 'duplicate', duplicateOf: first.batchId });
    expect(await runRow(runId)).toEqual({ status: 'FINISHED', batch_id: first.batchId });
  });

  it('a restated run replaces its rows in one transaction: a batch that fails half-way leaves the old run whole', async () => {
    const runId = newRunId();
    const v1 = linesBatch(STORE, [
      experiment('1'),
      run(runId, '1', { params: { a: '1', b: '2' } }),
      metric(runId, 'loss', [
        [0, T, 1],
        [1, T + 1, 0.5],
      ]),
    ]);
    expect(await env.ingest(v1)).toMatchObject({ status: 'loaded' });
    const broken = linesBatch(STORE, [
      experiment('1'),
      run(runId, '1', { params: { a: '9' } }),
      metric(runId, 'loss', [[0, T, 'x']]),
    ]);
    expect(await env.ingest(broken)).toMatchObject({ status: 'rejected', code: 'EXP_METRIC_NOT_NUMBER' });
    expect(await params(runId)).toEqual({ a: '1', b: '2' });
    const [count] = await env.query('SELECT COUNT(*) AS n FROM run_metrics WHERE run_id = ?', [runId]);
    expect(Number(count?.n)).toBe(2);

    const v2 = linesBatch(STORE, [
      experiment('1'),
      run(runId, '1', { params: { a: '3' } }),
      metric(runId, 'loss', [[0, T, 0.7]]),
    ]);
    expect(await env.ingest(v2)).toMatchObject({ status: 'loaded', restated: [v1.batchId] });
    expect(await params(runId)).toEqual({ a: '3' });
    const metrics = await env.query('SELECT step, value FROM run_metrics WHERE run_id = ? ORDER BY seq', [
      runId,
    ]);
    expect(metrics).toEqual([{ step: 0, value: 0.7 }]);
    const [ledger] = await env.query('SELECT restates_batch_id FROM batches WHERE batch_id = ?', [
      v2.batchId,
    ]);
    expect(ledger).toEqual({ restates_batch_id: v1.batchId });
  });

  it('a late delivery of an older batch does not turn a finished run back into a running one (EXP_RUN_STALE)', async () => {
    const runId = newRunId();
    const newer = linesBatch(STORE, [experiment('1'), run(runId, '1', { status: 'FINISHED' })]);
    // Batch ids sort by creation time: this one was made a year before the other, and arrives after it.
    const older = linesBatch(
      STORE,
      [experiment('1'), run(runId, '1', { status: 'RUNNING', endTime: null })],
      {
        batchId: '20250101T000000000Z-0123456789ab',
      },
    );
    expect(await env.ingest(newer)).toMatchObject({ status: 'loaded' });
    expect(await env.ingest(older)).toMatchObject({ status: 'loaded', warnings: ['EXP_RUN_STALE'] });
    expect(await runRow(runId)).toEqual({ status: 'FINISHED', batch_id: newer.batchId });
  });

  it('NaN and infinite metric values are kept as NULL with a flag and a warning alert, never dropped', async () => {
    const runId = newRunId();
    const batch = linesBatch(STORE, [
      experiment('1'),
      run(runId, '1'),
      metric(runId, 'IC', [
        [0, T, 'NaN'],
        [1, T + 1, 'Infinity'],
        [2, T + 2, '-Infinity'],
        [3, T + 3, 0.1],
      ]),
    ]);
    expect(await env.ingest(batch)).toMatchObject({ status: 'loaded', warnings: ['EXP_METRIC_NON_FINITE'] });
    const rows = await env.query(
      'SELECT step, value, non_finite FROM run_metrics WHERE run_id = ? ORDER BY seq',
      [runId],
    );
    expect(rows).toEqual([
      { step: 0, value: null, non_finite: 'nan' },
      { step: 1, value: null, non_finite: 'inf' },
      { step: 2, value: null, non_finite: '-inf' },
      { step: 3, value: 0.1, non_finite: null },
    ]);
    const alerts = await env.query(
      "SELECT severity FROM alerts WHERE batch_id = ? AND code = 'EXP_METRIC_NON_FINITE'",
      [batch.batchId],
    );
    expect(alerts).toEqual([{ severity: 'warn' }]);
  });
});
