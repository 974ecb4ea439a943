import mysql, { type Pool } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../adapters/warehouse/ledger.js';
import { resolveLoadMode } from '../../adapters/warehouse/warehouse-facts.js';
import { ingestBatch } from '../../functions/ingest/ingest-batch.js';
import { factorRows, floatColumns, makeBatch } from './batch-builder.js';
import { type DirectEnv, refOf, startDirect } from './harness.js';

/**
 * A pool like adapters/warehouse/pool.ts's whose connections do not announce CLIENT_LOCAL_FILES. The server then
 * refuses LOAD DATA LOCAL on them exactly as with local_infile=OFF (one check covers both halves), without
 * flipping a global that every other test file's LOAD DATA, running in parallel, depends on.
 */
function poolWithoutLocalInfile(url: string): Pool {
  const pool = mysql.createPool({
    uri: url,
    connectionLimit: 2,
    timezone: 'Z',
    dateStrings: true,
    supportBigNumbers: true,
    flags: ['-LOCAL_FILES'],
  });
  pool.on('connection', (conn) => {
    conn.query("SET time_zone = '+00:00'");
  });
  return pool;
}

describe('ingest: LOAD DATA LOCAL when the server takes it, INSERT otherwise', () => {
  let env: DirectEnv;
  let refusing: Pool;
  beforeAll(async () => {
    env = await startDirect('loadmode');
    refusing = poolWithoutLocalInfile(env.db.url);
  });
  afterAll(async () => {
    await refusing?.end();
    await env?.close();
  });

  it('LOAD_MODE auto asks the connection: load-data where LOCAL INFILE is allowed, insert where refused', async () => {
    expect(await resolveLoadMode(env.db.pool, 'auto')).toBe('load-data');
    expect(await resolveLoadMode(refusing, 'auto')).toBe('insert');
    expect(await resolveLoadMode(refusing, 'load-data')).toBe('load-data'); // configured modes are kept
    expect(await resolveLoadMode(env.db.pool, 'insert')).toBe('insert');
  });

  it('a load-data batch the server refuses LOCAL INFILE for goes the INSERT path, in the same transaction', async () => {
    const columns = floatColumns(3);
    const rows = factorRows({ dates: ['2024-12-02', '2024-12-03'], instruments: 30, columns });
    const batch = makeBatch({ dataset: 'lm_fallback', columns, rows });
    await env.upload(batch);
    const deps = { ...env.deps({ loadMode: 'load-data' }), pool: refusing, ledger: new Ledger(refusing) };
    expect(await ingestBatch(deps, refOf(batch))).toMatchObject({ status: 'loaded', rowsLoaded: 60 });

    const [count] = await env.query('SELECT COUNT(*) AS n FROM f_lm_fallback WHERE batch_id = ?', [
      batch.batchId,
    ]);
    expect(Number(count?.n)).toBe(60);
    const [loaded] = await env.query(
      "SELECT detail FROM batch_events WHERE batch_id = ? AND event = 'loaded'",
      [batch.batchId],
    );
    expect(JSON.parse(String(loaded?.detail))).toMatchObject({ rows: 60, mode: 'insert' });
    const [content] = await env.query('SELECT batch_id FROM loaded_contents WHERE dataset = ?', [
      'lm_fallback',
    ]);
    expect(content?.batch_id).toBe(batch.batchId); // written before the refused statement, kept
  });
});
