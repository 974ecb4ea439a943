import type { PoolConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoadDataSink } from '../../adapters/warehouse/load-data-sink.js';
import type { LoadTarget } from '../../adapters/warehouse/row-sink.js';
import type { ParsedRow } from '../../core/csv/index.js';
import { createTestDatabase, type TestDatabase } from '../support/mysql.js';

const TARGET: LoadTarget = {
  table: 'sink_probe',
  fields: ['trade_date', 'instrument', 'F0'],
  fixed: [{ column: 'batch_id', value: 'b1' }],
  rowValues: (row) => [row.date, row.instrument, ...Array.from(row.values)],
};

const row = (i: number): [ParsedRow, Buffer] => {
  const instrument = `SH${600000 + i}`;
  return [
    { line: i + 2, date: '2024-01-02', instrument, values: [i], infinities: 0 },
    Buffer.from(`2024-01-02,${instrument},${i}\n`),
  ];
};

/** Resolves when the server has closed the connection's socket. */
function closed(conn: PoolConnection): Promise<void> {
  const socket = (conn as unknown as { connection: { stream: NodeJS.EventEmitter & { destroyed: boolean } } })
    .connection.stream;
  return socket.destroyed ? Promise.resolve() : new Promise((done) => socket.once('close', () => done()));
}

describe('LOAD DATA sink: a connection killed under it', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('load_data_sink', { migrate: false });
    await db.pool.query(`CREATE TABLE sink_probe (trade_date DATE NOT NULL, instrument VARCHAR(64) NOT NULL,
      F0 FLOAT NULL, batch_id VARCHAR(64) NOT NULL, PRIMARY KEY (trade_date, instrument)) ENGINE = InnoDB`);
  });
  afterAll(async () => {
    await db.drop();
  });

  it('fails with a transient error and aborts without an unhandled stream error (the process lives on)', async () => {
    const conn = await db.pool.getConnection();
    await conn.query('START TRANSACTION');
    const sink = (await LoadDataSink.open(conn, TARGET, 'datetime,instrument,F0')) as LoadDataSink;
    expect(sink).toBeDefined();
    for (let i = 0; i < 100; i++) sink.add(...row(i));
    await db.pool.query('KILL ?', [conn.threadId]);
    await closed(conn);
    // The statement is gone; more rows and the abort that follows must not throw on the dead feed.
    for (let i = 100; i < 200; i++) sink.add(...row(i));
    await expect(sink.end()).rejects.toMatchObject({ name: 'TransientError' });
    await sink.abort(new Error('load rolled back'));
    conn.destroy();
    // An 'error' event nobody listened to would surface as an uncaught exception after this tick.
    await new Promise((done) => setTimeout(done, 50));
    const [rows] = await db.pool.query('SELECT COUNT(*) AS n FROM sink_probe');
    expect(rows).toEqual([{ n: 0 }]);
  });
});
