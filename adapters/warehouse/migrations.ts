import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import { TerminalError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { translating } from './errors.js';

export interface Migration {
  version: number;
  name: string;
  checksum: string;
  statements: string[];
}

export interface MigrationReport {
  applied: number[];
  alreadyApplied: number[];
}

const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
const LOCK = 'qlib_sync_migrate';

/** Read `NNNN_name.sql` files in version order; each file is split into statements on `;` at a line end. */
export async function loadMigrations(dir: string): Promise<Migration[]> {
  const names = (await readdir(dir)).filter((n) => FILE.test(n)).sort();
  return Promise.all(
    names.map(async (name) => {
      const text = await readFile(join(dir, name), 'utf8');
      const [, version, label] = FILE.exec(name) as unknown as [string, string, string];
      return {
        version: Number(version),
        name: label,
        checksum: sha256(text),
        statements: splitStatements(text),
      };
    }),
  );
}

/**
 * Apply pending migrations, in order, under a server-side lock (two concurrent runs never interleave).
 * MySQL DDL commits implicitly, so a migration is not atomic: its row says `applying` until it finishes,
 * and on failure `failed` with the statement and error. The next run retries it from the start: CREATEs say
 * IF NOT EXISTS, and an ALTER that already went through (a crash between it and the status update; MySQL 8
 * has no ADD COLUMN IF NOT EXISTS) is recognised by its "already there" error and passed over. A changed
 * applied file is refused (MIGRATION_CHANGED).
 */
export async function migrate(pool: Pool, migrations: Migration[], log: Logger): Promise<MigrationReport> {
  const conn = await translating('connect for migrations', () => pool.getConnection());
  try {
    await lock(conn);
    try {
      await conn.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, checksum CHAR(64) NOT NULL,
        status VARCHAR(16) NOT NULL, error TEXT NULL, started_at DATETIME(3) NOT NULL, finished_at DATETIME(3) NULL
      ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin`);
      const [rows] = await conn.query<RowDataPacket[]>(
        'SELECT version, checksum, status FROM schema_migrations',
      );
      const known = new Map(
        rows.map((r) => [Number(r.version), { checksum: String(r.checksum), status: String(r.status) }]),
      );
      const report: MigrationReport = { applied: [], alreadyApplied: [] };
      for (const m of migrations) {
        const row = known.get(m.version);
        if (row?.status === 'applied') {
          if (row.checksum !== m.checksum) {
            throw new TerminalError(
              'MIGRATION_CHANGED',
              `migration ${label(m)} changed after it was applied; add a new migration instead`,
            );
          }
          report.alreadyApplied.push(m.version);
          continue;
        }
        await apply(conn, m, log, row !== undefined);
        report.applied.push(m.version);
      }
      return report;
    } finally {
      await conn.query('SELECT RELEASE_LOCK(?)', [LOCK]);
    }
  } finally {
    conn.release();
  }
}

/**
 * Errors an ALTER statement gives when what it does is already done: duplicate column (1060) or key name
 * (1061), a DROP of what is gone (1091). Only a re-run may pass over them: on a first run they are real.
 */
const ALREADY_DONE = new Set([1060, 1061, 1091]);

async function apply(conn: PoolConnection, m: Migration, log: Logger, rerun: boolean): Promise<void> {
  await conn.query(
    `INSERT INTO schema_migrations (version, name, checksum, status, started_at) VALUES (?, ?, ?, 'applying', UTC_TIMESTAMP(3))
     ON DUPLICATE KEY UPDATE name = VALUES(name), checksum = VALUES(checksum), status = 'applying', error = NULL,
       started_at = UTC_TIMESTAMP(3), finished_at = NULL`,
    [m.version, m.name, m.checksum],
  );
  for (const [i, sql] of m.statements.entries()) {
    try {
      await conn.query(sql);
    } catch (cause) {
      if (rerun && ALREADY_DONE.has(Number((cause as { errno?: number }).errno))) {
        log.warn('migration statement already applied; passing over it', {
          version: m.version,
          statement: i + 1,
          error: (cause as Error).message,
        });
        continue;
      }
      const detail = `statement ${i + 1} of ${m.statements.length}: ${(cause as Error).message}`;
      await conn.query("UPDATE schema_migrations SET status = 'failed', error = ? WHERE version = ?", [
        detail,
        m.version,
      ]);
      throw new TerminalError('MIGRATION_FAILED', `migration ${label(m)} failed at ${detail}`, { cause });
    }
  }
  await conn.query(
    "UPDATE schema_migrations SET status = 'applied', finished_at = UTC_TIMESTAMP(3) WHERE version = ?",
    [m.version],
  );
  log.info('migration applied', { version: m.version, name: m.name, statements: m.statements.length });
}

async function lock(conn: PoolConnection): Promise<void> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT GET_LOCK(?, 60) AS got', [LOCK]);
  if (Number(rows[0]?.got) !== 1) {
    throw new TerminalError('MIGRATION_LOCKED', 'another migration run holds the lock for over 60 s');
  }
}

/** Split on `;` at the end of a line, dropping `--` comment lines. Our migrations keep `;` out of literals. */
export function splitStatements(text: string): string[] {
  const body = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n');
  return body
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function label(m: Migration): string {
  return `${String(m.version).padStart(4, '0')}_${m.name}`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
