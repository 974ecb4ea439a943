import type { Logger } from '../../core/logger.js';
import { ensureDatabase } from './database.js';
import { upgradeFactorTables } from './factor-tables.js';
import { loadMigrations, type MigrationReport, migrate } from './migrations.js';
import { createPool, type Pool } from './pool.js';

export interface PreparedDatabase {
  /** The URL with the database in it. */
  url: string;
  pool: Pool;
  report: MigrationReport;
}

/**
 * Create the database of `url` when missing, apply every migration in `migrationsDir` and bring the factor
 * tables ingest created up to date (their indexes): what
 * `npm run migrate`, `npm run local`, the demo and the tests all need before the first batch.
 * The caller ends the returned pool.
 */
export async function prepareDatabase(
  url: string,
  migrationsDir: string,
  log: Logger,
  connectionLimit = 2,
): Promise<PreparedDatabase> {
  const target = await ensureDatabase(url);
  const pool = createPool({ url: target, connectionLimit });
  try {
    const report = await migrate(pool, await loadMigrations(migrationsDir), log);
    // Factor tables are created by ingest, not by a migration: bring existing ones up to date too.
    const upgraded = await upgradeFactorTables(pool);
    if (upgraded.length > 0)
      log.info('factor tables given their (instrument, trade_date) index', { datasets: upgraded });
    return { url: target, pool, report };
  } catch (error) {
    await pool.end();
    throw error;
  }
}
