import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBatchKey, formatStatusKey } from '../../core/keys.js';
import { FUNCTION, type StackEnv, startStackEnv } from '../ingest/stack-harness.js';
import { experiment, linesBatch, metric, newRunId, run, T } from './lines-builder.js';

/** The deployable artifact: s.yaml's OSS trigger → the FC runtime → dist/functions/ingest, for experiments batches. */
describe('experiments batches on the FC runtime (s.yaml, dist bundle)', () => {
  let env: StackEnv;
  beforeAll(async () => {
    env = await startStackEnv('experiments');
  });
  afterAll(async () => {
    await env?.close();
  });

  it('loads a good batch and quarantines a bad one with its code, through the OSS trigger', async () => {
    const good = newRunId();
    const bad = newRunId();
    const loaded = linesBatch('node1', [experiment('1'), run(good, '1'), metric(good, 'IC', [[0, T, 0.05]])]);
    const rejected = linesBatch('node1', [experiment('1'), run(bad, '1', { status: 'DONE' })]);
    await env.upload(loaded);
    await env.upload(rejected);
    await env.stack.fc.waitForInvocations((r) => r.fn === FUNCTION, 2, 60_000);
    await env.stack.fc.idle();

    const ledger = await env.query('SELECT batch_id, status, error_code FROM batches ORDER BY batch_id');
    expect(ledger).toEqual([
      { batch_id: loaded.batchId, status: 'loaded', error_code: null },
      { batch_id: rejected.batchId, status: 'rejected', error_code: 'EXP_STATUS_UNKNOWN' },
    ]);
    expect(await env.query('SELECT run_id, status FROM runs')).toEqual([
      { run_id: good, status: 'FINISHED' },
    ]);
    expect(await env.query('SELECT ic FROM run_summaries WHERE run_id = ?', [good])).toEqual([{ ic: 0.05 }]);
    const reason = JSON.parse(
      (
        await env.client.get(formatBatchKey({ ...rejected, area: 'quarantine', file: 'reason.json' }))
      ).content.toString('utf8'),
    );
    expect(reason).toMatchObject({ code: 'EXP_STATUS_UNKNOWN', kind: 'experiments' });
    const status = JSON.parse((await env.client.get(formatStatusKey(loaded))).content.toString('utf8'));
    expect(status).toMatchObject({ status: 'loaded', kind: 'experiments', rowsLoaded: 3 });
  });
});
