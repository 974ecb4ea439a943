import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestBytes } from '../../core/digest.js';
import { formatBatchKey } from '../../core/keys.js';
import { formatManifest } from '../../core/manifest.js';
import type { Batch } from '../ingest/batch-builder.js';
import { type DirectEnv, startDirect } from '../ingest/harness.js';
import { config, experiment, type Line, linesBatch, metric, newRunId, run, T } from './lines-builder.js';

const STORE = 'badinput';

/** Each bad input is quarantined with its code and reason.json, and nothing of the batch is loaded. */
describe('experiments batches with bad input', () => {
  let env: DirectEnv;

  beforeAll(async () => {
    env = await startDirect('exp_bad');
  });
  afterAll(async () => {
    await env?.close();
  });

  async function expectQuarantined(batch: Batch, code: string, runIds: string[]) {
    const outcome = await env.ingest(batch);
    expect(outcome).toMatchObject({ status: 'rejected', code });
    const reason = await env.json(formatBatchKey({ ...batch, area: 'quarantine', file: 'reason.json' }));
    expect((reason.findings as { code: string }[]).map((f) => f.code)).toContain(code);
    expect(await env.exists(formatBatchKey({ ...batch, area: 'quarantine', file: 'data.jsonl.gz' }))).toBe(
      true,
    );
    for (const table of ['experiments', 'runs', 'run_summaries']) {
      const [n] = await env.query(`SELECT COUNT(*) AS n FROM ${table} WHERE batch_id = ?`, [batch.batchId]);
      expect(Number(n?.n), table).toBe(0);
    }
    for (const table of ['run_params', 'run_tags', 'run_metrics', 'run_artifacts']) {
      const [n] = await env.query(`SELECT COUNT(*) AS n FROM ${table} WHERE run_id = ?`, [runIds[0]]);
      expect(Number(n?.n), table).toBe(0);
    }
    const [configs] = await env.query('SELECT COUNT(*) AS n FROM model_configs WHERE first_batch_id = ?', [
      batch.batchId,
    ]);
    expect(Number(configs?.n)).toBe(0);
    const [ledger] = await env.query('SELECT status, error_code FROM batches WHERE batch_id = ?', [
      batch.batchId,
    ]);
    expect(ledger).toEqual({ status: 'rejected', error_code: code });
    return reason;
  }

  /** A good batch whose one line `bad` replaces: everything before it would load. */
  function withBad(bad: (runId: string) => Line | string): { batch: Batch; runId: string } {
    const runId = newRunId();
    const lines: (Line | string)[] = [
      experiment('1'),
      run(runId, '1'),
      metric(runId, 'IC', [[0, T, 0.04]]),
      bad(runId),
      metric(runId, 'ICIR', [[0, T, 0.4]]),
    ];
    return { batch: linesBatch(STORE, lines), runId };
  }

  it('EXP_NOT_JSON: a line that is not JSON', async () => {
    const { batch, runId } = withBad(() => '{"type": "metric", "runId": ');
    const reason = await expectQuarantined(batch, 'EXP_NOT_JSON', [runId]);
    expect(reason.findings).toEqual([
      expect.objectContaining({ code: 'EXP_NOT_JSON', examples: [expect.objectContaining({ line: 4 })] }),
    ]);
  });

  it('EXP_STATUS_UNKNOWN: a run status MLflow does not have', async () => {
    const runId = newRunId();
    const batch = linesBatch(STORE, [experiment('1'), run(runId, '1', { status: 'DONE' })]);
    const reason = await expectQuarantined(batch, 'EXP_STATUS_UNKNOWN', [runId]);
    expect(JSON.stringify(reason.findings)).toContain('"value":"DONE"');
  });

  it('EXP_METRIC_NOT_NUMBER: a metric value that is not a number', async () => {
    const { batch, runId } = withBad((id) =>
      metric(id, 'loss', [
        [0, T, 0.5],
        [1, T + 1, 'abc'],
      ]),
    );
    const reason = await expectQuarantined(batch, 'EXP_METRIC_NOT_NUMBER', [runId]);
    expect(JSON.stringify(reason.findings)).toContain('$.history[1][2]');
  });

  it('EXP_PARAM_TOO_LONG: a param longer than its column (65,535 bytes), or a key over 250 characters', async () => {
    const runId = newRunId();
    const long = run(runId, '1', {
      params: { 'model.kwargs.blob': 'é'.repeat(40_000), ['k'.repeat(251)]: 'x' },
    });
    const reason = await expectQuarantined(linesBatch(STORE, [experiment('1'), long]), 'EXP_PARAM_TOO_LONG', [
      runId,
    ]);
    const finding = (reason.findings as { code: string; count: number }[]).find(
      (f) => f.code === 'EXP_PARAM_TOO_LONG',
    );
    expect(finding?.count).toBe(2);
  });

  it('EXP_EXPERIMENT_UNKNOWN: a run of an experiment neither in the batch nor in RDS', async () => {
    const runId = newRunId();
    await expectQuarantined(
      linesBatch(STORE, [experiment('1'), run(runId, '42')]),
      'EXP_EXPERIMENT_UNKNOWN',
      [runId],
    );
  });

  it('EXP_RUN_UNKNOWN, EXP_CONFIG_UNKNOWN, EXP_CONFIG_HASH_MISMATCH, ROW_COUNT_MISMATCH', async () => {
    const a = newRunId();
    await expectQuarantined(
      linesBatch(STORE, [experiment('1'), metric(a, 'IC', [[0, T, 1]]), run(a, '1')]),
      'EXP_RUN_UNKNOWN',
      [a],
    );
    const b = newRunId();
    const hash = 'ab'.repeat(32);
    await expectQuarantined(
      linesBatch(STORE, [experiment('1'), run(b, '1', { configHash: hash })]),
      'EXP_CONFIG_UNKNOWN',
      [b],
    );
    const c = newRunId();
    const forged = config('task: {}\n', { hash });
    await expectQuarantined(
      linesBatch(STORE, [experiment('1'), forged, run(c, '1', { configHash: hash })]),
      'EXP_CONFIG_HASH_MISMATCH',
      [c],
    );
    const d = newRunId();
    await expectQuarantined(
      linesBatch(STORE, [experiment('1'), run(d, '1')], { rowCount: 3 }),
      'ROW_COUNT_MISMATCH',
      [d],
    );
  });

  it('every problem is counted at once; the lead code is the first bad line', async () => {
    const runId = newRunId();
    const lines: (Line | string)[] = [
      experiment('1'),
      run(runId, '1', { status: 'DONE' }),
      'not json',
      metric(runId, 'IC', [
        [0, T, 'x'],
        [1, T, 'y'],
      ]),
      { type: 'model', id: 1 },
    ];
    const reason = await expectQuarantined(linesBatch(STORE, lines), 'EXP_STATUS_UNKNOWN', [runId]);
    const counts = Object.fromEntries(
      (reason.findings as { code: string; count: number }[]).map((f) => [f.code, f.count]),
    );
    expect(counts).toMatchObject({
      EXP_STATUS_UNKNOWN: 1,
      EXP_NOT_JSON: 1,
      EXP_METRIC_NOT_NUMBER: 2,
      EXP_TYPE_UNKNOWN: 1,
    });
    expect(reason.whatToDo).toEqual(expect.arrayContaining([expect.stringContaining('experiment lines')]));
  });

  it('PAYLOAD_NOT_GZIP: bytes that are not gzip, even when the manifest describes them', async () => {
    const runId = newRunId();
    const text = Buffer.from(`${JSON.stringify(experiment('1'))}\n${JSON.stringify(run(runId, '1'))}\n`);
    const batch = linesBatch(STORE, [experiment('1'), run(runId, '1')]);
    const forged = { ...batch, payload: text };
    forged.manifest.payload = { ...forged.manifest.payload, ...digestBytes(text) };
    forged.manifestText = formatManifest(forged.manifest);
    await expectQuarantined(forged, 'PAYLOAD_NOT_GZIP', [runId]);
  });
});
