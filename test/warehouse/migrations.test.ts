import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrate, splitStatements } from '../../adapters/warehouse/migrations.js';
import { TerminalError } from '../../core/errors.js';
import { createTestDatabase, MIGRATIONS_DIR, quietLogger, type TestDatabase } from '../support/mysql.js';

const ROOT = resolve(import.meta.dirname, '../..');

async function schemaSnapshot(db: TestDatabase): Promise<string> {
  const [rows] = await db.pool.query<RowDataPacket[]>(
    `SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, COLUMN_KEY
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [db.database],
  );
  return JSON.stringify(rows);
}

async function tableNames(db: TestDatabase): Promise<string[]> {
  const [rows] = await db.pool.query<RowDataPacket[]>(
    'SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
    [db.database],
  );
  return rows.map((r) => String(r.t)).sort();
}

/** Source files whose SQL reads another database than ours: MLflow's SQLite tracking store (push-runs). */
const OTHER_DATABASES = ['agent/experiments/mlflow-db-store.ts'];

/** Table names that appear in SQL in our source (FROM/INTO/UPDATE/JOIN/TABLE <name>), excluding quoted dynamic ones. */
async function tablesNamedInCode(): Promise<string[]> {
  const found = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.name.endsWith('.ts') && !OTHER_DATABASES.includes(relative(ROOT, path))) {
        const text = await readFile(path, 'utf8');
        for (const m of text.matchAll(
          /\b(?:FROM|INTO|(?<!KEY )UPDATE|JOIN|EXISTS)\s+([a-z_][a-z0-9_]*)\b/g,
        )) {
          found.add(m[1] as string);
        }
      }
    }
  };
  for (const dir of ['adapters', 'functions', 'agent']) await walk(join(ROOT, dir));
  // information_schema.* references are qualified and never match; `schema_migrations` is created by the runner.
  return [...found].filter((t) => !['information_schema'].includes(t)).sort();
}

describe('migrations', () => {
  // A fresh, empty database per test: what one test applies must not be what another starts from.
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase('migrations', { migrate: false });
  });
  afterEach(async () => {
    await db.drop();
  });

  it('apply once, then a second run changes nothing', async () => {
    const migrations = await loadMigrations(MIGRATIONS_DIR);
    const first = await migrate(db.pool, migrations, quietLogger);
    expect(first.applied).toEqual(migrations.map((m) => m.version));
    const before = await schemaSnapshot(db);
    const second = await migrate(db.pool, migrations, quietLogger);
    expect(second).toEqual({ applied: [], alreadyApplied: migrations.map((m) => m.version) });
    expect(await schemaSnapshot(db)).toBe(before);
  });

  it('creates every table the code names', async () => {
    await migrate(db.pool, await loadMigrations(MIGRATIONS_DIR), quietLogger);
    const tables = await tableNames(db);
    const named = await tablesNamedInCode();
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((t) => !tables.includes(t))).toEqual([]);
    for (const t of ['datasets', 'dataset_columns', 'batches', 'batch_events', 'loaded_contents', 'alerts']) {
      expect(tables).toContain(t);
    }
    for (const t of ['trading_calendar', 'experiments', 'runs', 'run_params', 'run_metrics', 'run_tags']) {
      expect(tables).toContain(t);
    }
  });

  it('refuses an applied migration whose file changed', async () => {
    const migrations = await loadMigrations(MIGRATIONS_DIR);
    await migrate(db.pool, migrations, quietLogger);
    const changed = migrations.map((m, i) => (i === 0 ? { ...m, checksum: '0'.repeat(64) } : m));
    await expect(migrate(db.pool, changed, quietLogger)).rejects.toMatchObject({ code: 'MIGRATION_CHANGED' });
  });

  it('leaves a failed migration marked failed with its error, and retries it once fixed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'migrations-'));
    try {
      const good = 'CREATE TABLE IF NOT EXISTS mig_probe (id INT NOT NULL PRIMARY KEY) ENGINE = InnoDB;\n';
      await writeFile(
        join(dir, '0099_probe.sql'),
        `${good}ALTER TABLE mig_probe ADD COLUMN broken NOSUCHTYPE;\n`,
      );
      const broken = await loadMigrations(dir);
      const error = await migrate(db.pool, broken, quietLogger).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TerminalError);
      expect((error as TerminalError).code).toBe('MIGRATION_FAILED');
      expect((error as TerminalError).message).toContain('statement 2 of 2');
      const [rows] = await db.pool.query<RowDataPacket[]>(
        'SELECT status, error FROM schema_migrations WHERE version = 99',
      );
      expect(rows[0]?.status).toBe('failed');
      expect(String(rows[0]?.error)).toContain('statement 2 of 2');

      await writeFile(
        join(dir, '0099_probe.sql'),
        `${good}ALTER TABLE mig_probe ADD COLUMN fixed INT NULL;\n`,
      );
      const report = await migrate(db.pool, await loadMigrations(dir), quietLogger);
      expect(report.applied).toEqual([99]);
      const [after] = await db.pool.query<RowDataPacket[]>(
        'SELECT status, error FROM schema_migrations WHERE version = 99',
      );
      expect(after[0]).toMatchObject({ status: 'applied', error: null });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('finishes a migration cut off after its ALTER committed (status still applying)', async () => {
    const migrations = await loadMigrations(MIGRATIONS_DIR);
    await migrate(db.pool, migrations, quietLogger);
    const before = await schemaSnapshot(db);
    // 0006 is one ALTER ... ADD COLUMN: run again it would fail with "Duplicate column name".
    await db.pool.query(
      "UPDATE schema_migrations SET status = 'applying', finished_at = NULL WHERE version = 6",
    );
    const report = await migrate(db.pool, migrations, quietLogger);
    expect(report.applied).toEqual([6]);
    const [rows] = await db.pool.query<RowDataPacket[]>(
      'SELECT status FROM schema_migrations WHERE version = 6',
    );
    expect(rows[0]?.status).toBe('applied');
    expect(await schemaSnapshot(db)).toBe(before);
  });

  it('splits statements on line-ending semicolons and drops comment lines', () => {
    expect(splitStatements('-- c\nCREATE TABLE a (x INT);\n\nCREATE TABLE b (y INT);')).toEqual([
      'CREATE TABLE a (x INT)',
      'CREATE TABLE b (y INT)',
    ]);
  });
});
