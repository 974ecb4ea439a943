/**
 * `npm run migrate`: apply the versioned SQL files in migrations/ to the database in MYSQL_URL
 * (default mysql://root@127.0.0.1:3306/qlib), creating the database when it is missing. Idempotent.
 */
import { fileURLToPath } from 'node:url';
import { prepareDatabase } from '../adapters/warehouse/prepare.js';
import { createLogger } from '../core/logger.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

async function main(): Promise<void> {
  const log = createLogger({ write: (l) => process.stderr.write(l), now: () => new Date() });
  const { url, pool, report } = await prepareDatabase(
    process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/qlib',
    MIGRATIONS_DIR,
    log,
    1,
  );
  try {
    const where = new URL(url);
    where.password = where.password ? '***' : '';
    console.log(
      report.applied.length === 0
        ? `${where}: up to date (${report.alreadyApplied.length} migrations already applied)`
        : `${where}: applied ${report.applied.join(', ')}; ${report.alreadyApplied.length} were already applied`,
    );
  } finally {
    await pool.end();
  }
}

main().catch((error: unknown) => {
  console.error(`migrate failed: ${(error as Error).message}`);
  process.exitCode = 1;
});
