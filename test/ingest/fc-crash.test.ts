import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessDays, factorRows, floatColumns, makeBatch } from './batch-builder.js';
import { FUNCTION, type StackEnv, startStackEnv, waitForStatement } from './stack-harness.js';

const COLUMNS = floatColumns(40);
/** Big enough that the LOAD DATA statement runs for a while (a window to interrupt it in). */
const ROWS = factorRows({ dates: businessDays('2024-08-01', 20), instruments: 1000, columns: COLUMNS });

describe('ingest on the FC runtime (s.yaml, dist bundle): crashes mid-load', () => {
  let env: StackEnv;
  beforeAll(async () => {
    // A short lease; FC's retry comes after 1.5 s, before the lease would expire: the retry of the same request
    // takes the dead attempt's lease over at once (its owner shares the request id).
    env = await startStackEnv('crash', {
      env: { LOAD_MODE: 'load-data', LEASE_SECONDS: '5' },
      retryDelaysMs: [1500],
    });
  });
  afterAll(async () => {
    await env?.close();
  });

  const count = async (dataset: string) =>
    Number((await env.query(`SELECT COUNT(*) AS n FROM f_${dataset}`))[0]?.n);
  const events = async (batchId: string) =>
    (await env.query('SELECT event FROM batch_events WHERE batch_id = ? ORDER BY id', [batchId])).map(
      (e) => e.event,
    );

  it('an instance SIGKILLed mid-load leaves no visible rows, and the retry loads the batch once', async () => {
    const batch = makeBatch({ dataset: 'fc_kill', columns: COLUMNS, rows: ROWS });
    await env.upload(batch);
    const connection = await waitForStatement(env.db, 'LOAD DATA');
    const first = env.started.find((r) => r.fn === FUNCTION && r.attempt === 1 && r.pid !== undefined);
    process.kill(first?.pid as number, 'SIGKILL');

    // The server rolls the dead connection's transaction back; nothing of it was ever visible.
    await waitUntilGone(connection);
    expect(await count('fc_kill')).toBe(0);
    expect(
      (await env.query('SELECT status FROM batches WHERE batch_id = ?', [batch.batchId]))[0]?.status,
    ).toBe('loading');

    const attempts = await env.stack.fc.waitForInvocations(
      (r) => r.requestId === first?.requestId,
      2,
      60_000,
    );
    expect(attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
    expect(await count('fc_kill')).toBe(ROWS.length);
    const [ledger] = await env.query('SELECT status, rows_loaded, attempts FROM batches WHERE batch_id = ?', [
      batch.batchId,
    ]);
    expect(ledger).toEqual({ status: 'loaded', rows_loaded: ROWS.length, attempts: 2 });
    expect(await events(batch.batchId)).toEqual(['claimed', 'lease_taken_over', 'loaded']);
  });

  it('a MySQL connection killed mid-load (KILL from another session) is retried and loaded once', async () => {
    const batch = makeBatch({ dataset: 'fc_conn', columns: COLUMNS, rows: ROWS });
    const before = env.started.length;
    await env.upload(batch);
    const connection = await waitForStatement(env.db, 'LOAD DATA');
    await env.db.pool.query('KILL ?', [connection]);

    const requestId = env.started.slice(before).find((r) => r.fn === FUNCTION)?.requestId;
    const attempts = await env.stack.fc.waitForInvocations((r) => r.requestId === requestId, 2, 60_000);
    expect(attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
    expect(await count('fc_conn')).toBe(ROWS.length);
    const [ledger] = await env.query('SELECT status, rows_loaded, attempts FROM batches WHERE batch_id = ?', [
      batch.batchId,
    ]);
    expect(ledger).toEqual({ status: 'loaded', rows_loaded: ROWS.length, attempts: 2 });
    expect(await events(batch.batchId)).toEqual(['claimed', 'failed_attempt', 'lease_taken_over', 'loaded']);
    const [failure] = await env.query(
      "SELECT detail FROM batch_events WHERE batch_id = ? AND event = 'failed_attempt'",
      [batch.batchId],
    );
    expect(JSON.parse(String(failure?.detail))).toMatchObject({ code: 'MYSQL_UNAVAILABLE' });
  });

  async function waitUntilGone(connection: number): Promise<void> {
    for (let i = 0; i < 2000; i++) {
      const rows = await env.query('SELECT ID FROM information_schema.PROCESSLIST WHERE ID = ?', [
        connection,
      ]);
      if (rows.length === 0) return;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`connection ${connection} is still there`);
  }
});
