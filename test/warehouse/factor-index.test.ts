import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFactorTables, upgradeFactorTables } from '../../adapters/warehouse/factor-tables.js';
import { prepareDatabase } from '../../adapters/warehouse/prepare.js';
import { execute, selectRows } from '../../adapters/warehouse/sql.js';
import { createTestDatabase, MIGRATIONS_DIR, quietLogger, type TestDatabase } from '../support/mysql.js';

async function indexes(db: TestDatabase, table: string): Promise<string[]> {
  const rows = await selectRows(
    db.pool,
    `SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY INDEX_NAME`,
    [table],
  );
  return rows.map((r) => String(r.name));
}

describe('factor table indexes for the API', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('factor_index');
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('a new factor table has (instrument, trade_date) beside its (trade_date, instrument) key', async () => {
    await ensureFactorTables(db.pool, 'fresh', [{ name: 'a', type: 'float32' }]);
    expect(await indexes(db, 'f_fresh')).toEqual(['ix_instrument_date', 'PRIMARY']);
  });

  it('a table from before gets the index when the database is migrated, once', async () => {
    await execute(
      db.pool,
      "INSERT INTO datasets (dataset, kind, table_name, created_at, updated_at) VALUES ('older', 'factors', 'f_older', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))",
    );
    await execute(
      db.pool,
      'CREATE TABLE f_older (trade_date DATE NOT NULL, instrument VARCHAR(64) NOT NULL, a FLOAT NULL, batch_id VARCHAR(128) NOT NULL, PRIMARY KEY (trade_date, instrument))',
    );
    expect(await indexes(db, 'f_older')).toEqual(['PRIMARY']);
    const prepared = await prepareDatabase(db.url, MIGRATIONS_DIR, quietLogger, 1);
    await prepared.pool.end();
    expect(await indexes(db, 'f_older')).toEqual(['ix_instrument_date', 'PRIMARY']);
    expect(await upgradeFactorTables(db.pool)).toEqual([]);
  });
});
