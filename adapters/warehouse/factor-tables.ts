import type { ColumnSpec } from '../../core/csv/index.js';
import { columnKey } from '../../core/identifiers.js';
import { quoteId } from './pool.js';
import { factorTableName, historyTableName } from './registry.js';
import { execute, type Queryable, selectRows } from './sql.js';

const TABLE_OPTIONS = 'ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin';

/** FLOAT is qlib's own precision (float32); DOUBLE where a dataset asks for it. */
export function sqlType(type: ColumnSpec['type']): string {
  return type === 'float64' ? 'DOUBLE' : 'FLOAT';
}

/**
 * Make sure a factor dataset's table and its history table exist with at least `columns`
 * (ALTER TABLE ADD COLUMN for the missing ones). Idempotent, so a crash half-way is healed by the next batch.
 * Every name is validated before (core/identifiers.ts) and quoted here: two fences.
 */
export async function ensureFactorTables(
  db: Queryable,
  dataset: string,
  columns: readonly ColumnSpec[],
): Promise<void> {
  const table = factorTableName(dataset);
  const history = historyTableName(dataset);
  const values = columns.map((c) => `${quoteId(c.name)} ${sqlType(c.type)} NULL`);
  await execute(
    db,
    `CREATE TABLE IF NOT EXISTS ${quoteId(table)} (
       trade_date DATE NOT NULL,
       instrument VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
       ${values.map((v) => `${v},`).join('\n       ')}
       batch_id VARCHAR(128) NOT NULL,
       PRIMARY KEY (trade_date, instrument)
     ) ${TABLE_OPTIONS}`,
  );
  // Rows a restatement replaced: the old values, the batch that wrote them, the batch that replaced them.
  await execute(
    db,
    `CREATE TABLE IF NOT EXISTS ${quoteId(history)} (
       trade_date DATE NOT NULL,
       instrument VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
       ${values.map((v) => `${v},`).join('\n       ')}
       batch_id VARCHAR(128) NOT NULL,
       superseded_by VARCHAR(128) NOT NULL,
       superseded_at DATETIME(3) NOT NULL,
       PRIMARY KEY (trade_date, instrument, batch_id),
       KEY ix_superseded_by (superseded_by)
     ) ${TABLE_OPTIONS}`,
  );
  await addMissingColumns(db, table, columns);
  await addMissingColumns(db, history, columns);
}

async function addMissingColumns(
  db: Queryable,
  table: string,
  columns: readonly ColumnSpec[],
): Promise<void> {
  const existing = new Set((await tableColumns(db, table)).map(columnKey));
  const missing = columns.filter((c) => !existing.has(columnKey(c.name)));
  if (missing.length === 0) return;
  const adds = missing.map((c) => `ADD COLUMN ${quoteId(c.name)} ${sqlType(c.type)} NULL`).join(', ');
  await execute(db, `ALTER TABLE ${quoteId(table)} ${adds}`);
}

/** Column names of a table in the current database, in table order. */
export async function tableColumns(db: Queryable, table: string): Promise<string[]> {
  const rows = await selectRows(
    db,
    `SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [table],
  );
  return rows.map((r) => String(r.name));
}
