import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessDays, factorRows, floatColumns, makeBatch } from './batch-builder.js';
import { FUNCTION, type StackEnv, stallFirstGet, startStackEnv, waitForStatement } from './stack-harness.js';

const COLUMNS = floatColumns(40);
/** Small on purpose: its load takes well under a second, yet every kill below lands mid-statement. */
const ROWS = factorRows({ dates: businessDays('2024-08-01', 2), instruments: 500, columns: COLUMNS });

/**
 * Where the local OSS server holds the payload's body until the test releases it: half of it has gone into
 * LOAD DATA, the rest waits, so the statement is mid-load for as long as the test needs, on a fast or a slow
 * machine alike (a kill "while it is still running" is not a race).
 */
const half = (batch: { payload: Buffer }) => Math.floor(batch.payload.length / 2);

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
    const before = env.started.length;
    const stall = stallFirstGet(env, batch.payloadKey, half(batch));
    await env.upload(batch);
    await stall.stalled;
    const connection = await waitForStatement(env.db, 'LOAD DATA');
    // Rows are going in; a reader on another connection sees none of them.
    await waitForDirtyRows('f_fc_kill', batch.batchId, 1);
    expect(await count('fc_kill')).toBe(0);
    const first = env.started
      .slice(before)
      .find((r) => r.fn === FUNCTION && r.attempt === 1 && r.pid !== undefined);
    process.kill(first?.pid as number, 'SIGKILL');

    // The server rolls the dead connection's transaction back; nothing of it was ever visible.
    await waitUntilGone(connection);
    stall.release(); // the held response goes nowhere now: its reader is dead
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
    const stall = stallFirstGet(env, batch.payloadKey, half(batch));
    await env.upload(batch);
    await stall.stalled;
    const connection = await waitForStatement(env.db, 'LOAD DATA');
    await env.db.pool.query('KILL ?', [connection]);
    stall.release(); // the rest of the payload flows into a sink whose connection is gone

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
    // The function's own log lines ride along: a failure here says what the first attempt saw.
    expect(await events(batch.batchId), env.logs.join('\n')).toEqual([
      'claimed',
      'failed_attempt',
      'lease_taken_over',
      'loaded',
    ]);
    const [failure] = await env.query(
      "SELECT detail FROM batch_events WHERE batch_id = ? AND event = 'failed_attempt'",
      [batch.batchId],
    );
    expect(JSON.parse(String(failure?.detail))).toMatchObject({ code: 'MYSQL_UNAVAILABLE' });
  });

  it('while a restatement loads, readers see the old values and none of the new rows; after the commit, the new', async () => {
    const [day] = businessDays('2024-08-01', 1) as [string];
    const old = makeBatch({
      dataset: 'fc_restate',
      columns: COLUMNS,
      rows: factorRows({ dates: [day], instruments: 1000, columns: COLUMNS, seed: 2 }),
    });
    const before = env.started.length;
    await env.upload(old);
    await waitForStatus(old.batchId, 'loaded');
    const sample = "SELECT F0, batch_id FROM f_fc_restate WHERE trade_date = ? AND instrument = 'SH600007'";
    const [oldValue] = await env.query(sample, [day]);
    expect(oldValue?.batch_id).toBe(old.batchId);

    const batch = makeBatch({ dataset: 'fc_restate', columns: COLUMNS, rows: ROWS });
    const stall = stallFirstGet(env, batch.payloadKey, half(batch));
    await env.upload(batch);
    await stall.stalled;
    await waitForStatement(env.db, 'LOAD DATA');
    // Hold the batch's ledger row while the load cannot finish: it writes every row once released, then waits
    // at its commit (the ledger UPDATE).
    const holder = await env.db.pool.getConnection();
    try {
      await holder.query('START TRANSACTION');
      await holder.query('SELECT status FROM batches WHERE batch_id = ? FOR UPDATE', [batch.batchId]);
      stall.release();
      await waitForDirtyRows('f_fc_restate', batch.batchId, ROWS.length);
      const byBatch = await env.query('SELECT batch_id, COUNT(*) AS n FROM f_fc_restate GROUP BY batch_id');
      expect(byBatch.map((r) => [r.batch_id, Number(r.n)])).toEqual([[old.batchId, 1000]]);
      expect(await env.query(sample, [day])).toEqual([oldValue]);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }

    await waitForStatus(batch.batchId, 'loaded');
    expect(env.started.slice(before).filter((r) => r.fn === FUNCTION)).toHaveLength(2);
    const [newValue] = await env.query(sample, [day]);
    const expected = ROWS.find((r) => r.date === day && r.instrument === 'SH600007')?.values[0];
    expect(newValue).toEqual({ F0: expected, batch_id: batch.batchId });
    expect(await count('fc_restate')).toBe(ROWS.length);
    const [history] = await env.query(
      'SELECT COUNT(*) AS n FROM f_fc_restate__history WHERE superseded_by = ?',
      [batch.batchId],
    );
    expect(Number(history?.n)).toBe(1000);
  });

  /**
   * Poll, with a READ UNCOMMITTED connection of its own, until `table` holds at least `rows` uncommitted rows of
   * `batchId`: proof the load is writing (InnoDB's row counters stay flat for a bulk load into an empty table).
   */
  async function waitForDirtyRows(table: string, batchId: string, rows: number): Promise<void> {
    const conn = await env.db.pool.getConnection();
    try {
      await conn.query('SET SESSION TRANSACTION ISOLATION LEVEL READ UNCOMMITTED');
      for (let i = 0; i < 6000; i++) {
        const [[dirty]] = await conn.query<RowDataPacket[]>(
          `SELECT COUNT(*) AS n FROM ${table} WHERE batch_id = ?`,
          [batchId],
        );
        if (Number(dirty?.n) >= rows) return;
        await new Promise((r) => setTimeout(r, 5));
      }
      throw new Error(`${table} never held ${rows} uncommitted rows of ${batchId}`);
    } finally {
      conn.destroy(); // its session isolation level must not go back to the pool
    }
  }

  async function waitForStatus(batchId: string, status: string): Promise<void> {
    for (let i = 0; i < 1200; i++) {
      const [row] = await env.query('SELECT status FROM batches WHERE batch_id = ?', [batchId]);
      if (row?.status === status) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`batch ${batchId} never became ${status}`);
  }

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
