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

/** What ensureFactorTables changed: the tables it created and the columns it added to each other table. */
export interface TableChanges {
  created: string[];
  added: { table: string; columns: ColumnSpec[] }[];
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
): Promise<TableChanges> {
  const table = factorTableName(dataset);
  const history = historyTableName(dataset);
  const existing = new Set(await existingTables(db, [table, history]));
  const created = [table, history].filter((t) => !existing.has(t));
  const values = columns.map((c) => `${quoteId(c.name)} ${sqlType(c.type)} NULL`);
  await execute(
    db,
    `CREATE TABLE IF NOT EXISTS ${quoteId(table)} (
       trade_date DATE NOT NULL,
       instrument VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
       ${values.map((v) => `${v},`).join('\n       ')}
       batch_id VARCHAR(128) NOT NULL,
       PRIMARY KEY (trade_date, instrument),
       KEY ${INSTRUMENT_INDEX} (instrument, trade_date)
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
  const added: TableChanges['added'] = [];
  for (const t of [table, history]) {
    const missing = await addMissingColumns(db, t, columns);
    if (missing.length > 0 && !created.includes(t)) added.push({ table: t, columns: missing });
  }
  return { created, added };
}

/** Take back what ensureFactorTables changed for a batch that did not commit: drop its tables or columns. */
export async function undoTableChanges(db: Queryable, changes: TableChanges): Promise<void> {
  for (const table of changes.created) await execute(db, `DROP TABLE IF EXISTS ${quoteId(table)}`);
  for (const { table, columns } of changes.added) {
    await dropColumns(
      db,
      [table],
      columns.map((c) => c.name),
    );
  }
}

/** True when the change did anything. */
export function changedTables(changes: TableChanges): boolean {
  return changes.created.length > 0 || changes.added.length > 0;
}

/** Drop the named columns from each of `tables` that has them. */
export async function dropColumns(db: Queryable, tables: readonly string[], names: readonly string[]) {
  if (names.length === 0) return;
  for (const table of tables) {
    const present = new Set((await tableColumns(db, table)).map(columnKey));
    const drops = names.filter((n) => present.has(columnKey(n)));
    if (drops.length === 0) continue;
    const sql = drops.map((n) => `DROP COLUMN ${quoteId(n)}`).join(', ');
    // Instant where the server can (MariaDB 10.4+, MySQL 8.0.29+): no table rebuild, which a table at InnoDB's
    // row-size limit (the very case being taken back) may not survive; else the server's default algorithm.
    await execute(db, `ALTER TABLE ${quoteId(table)} ${sql}, ALGORITHM=INSTANT`).catch(() =>
      execute(db, `ALTER TABLE ${quoteId(table)} ${sql}`),
    );
  }
}

/** The value type of each float column of a table, by column key (float32 = FLOAT, float64 = DOUBLE). */
export async function floatColumnTypes(
  db: Queryable,
  table: string,
): Promise<Map<string, ColumnSpec['type']>> {
  const rows = await selectRows(
    db,
    `SELECT COLUMN_NAME AS name, DATA_TYPE AS type FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND DATA_TYPE IN ('float', 'double')`,
    [table],
  );
  return new Map(rows.map((r) => [columnKey(String(r.name)), r.type === 'double' ? 'float64' : 'float32']));
}

/** True when any row of `table` has a value in `column`. */
export async function columnHasValues(db: Queryable, table: string, column: string): Promise<boolean> {
  const sql = `SELECT 1 AS x FROM ${quoteId(table)} WHERE ${quoteId(column)} IS NOT NULL LIMIT 1`;
  return (await selectRows(db, sql)).length > 0;
}

/** Drop a dataset's tables (leftovers of a registration that never committed: empty, see ingest's schema). */
export async function dropFactorTables(db: Queryable, dataset: string): Promise<void> {
  for (const table of [factorTableName(dataset), historyTableName(dataset)]) {
    await execute(db, `DROP TABLE IF EXISTS ${quoteId(table)}`);
  }
}

/** Which of `tables` exist in the current database. */
export async function existingTables(db: Queryable, tables: readonly string[]): Promise<string[]> {
  const rows = await selectRows(
    db,
    `SELECT TABLE_NAME AS name FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?)`,
    [tables],
  );
  return rows.map((r) => String(r.name));
}

/** True when a table holds at least one row (committed, as this session sees it). */
export async function tableHasRows(db: Queryable, table: string): Promise<boolean> {
  const rows = await selectRows(db, `SELECT 1 AS x FROM ${quoteId(table)} LIMIT 1`);
  return rows.length > 0;
}

/**
 * One instrument over years is the API's other query shape (docs/api.md, "Indexes"): the primary key
 * (trade_date, instrument) serves a day across instruments and date ranges; this serves an instrument list.
 */
const INSTRUMENT_INDEX = 'ix_instrument_date';

/**
 * Give a factor table its (instrument, trade_date) index when it lacks it (tables created before migration
 * 0009; `npm run migrate` runs this for every registered dataset). InnoDB builds it online (no lock on reads
 * or writes).
 */
export async function ensureInstrumentIndex(db: Queryable, dataset: string): Promise<boolean> {
  const table = factorTableName(dataset);
  const [row] = await selectRows(
    db,
    `SELECT COUNT(*) AS n FROM information_schema.STATISTICS
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = ?`,
    [table, INSTRUMENT_INDEX],
  );
  if (Number(row?.n) > 0) return false;
  try {
    await execute(
      db,
      `ALTER TABLE ${quoteId(table)} ADD KEY ${INSTRUMENT_INDEX} (instrument, trade_date), ALGORITHM = INPLACE, LOCK = NONE`,
    );
  } catch (error) {
    // Another batch or migrate run added it meanwhile (duplicate key name).
    if ((error as { errno?: number }).errno !== 1061) throw error;
    return false;
  }
  return true;
}

/** Every registered factor dataset whose table exists gets the index; the datasets that got it now. */
export async function upgradeFactorTables(db: Queryable): Promise<string[]> {
  const rows = await selectRows(
    db,
    `SELECT d.dataset FROM datasets d JOIN information_schema.TABLES t
        ON t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME = d.table_name
      WHERE d.kind = 'factors' ORDER BY d.dataset`,
  );
  const upgraded: string[] = [];
  for (const r of rows)
    if (await ensureInstrumentIndex(db, String(r.dataset))) upgraded.push(String(r.dataset));
  return upgraded;
}

async function addMissingColumns(
  db: Queryable,
  table: string,
  columns: readonly ColumnSpec[],
): Promise<ColumnSpec[]> {
  const existing = new Set((await tableColumns(db, table)).map(columnKey));
  const missing = columns.filter((c) => !existing.has(columnKey(c.name)));
  if (missing.length === 0) return [];
  const adds = missing.map((c) => `ADD COLUMN ${quoteId(c.name)} ${sqlType(c.type)} NULL`).join(', ');
  await execute(db, `ALTER TABLE ${quoteId(table)} ${adds}`);
  return missing;
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
