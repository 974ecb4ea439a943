import type { ColumnSpec } from '../../core/csv/index.js';
import { TransientError } from '../../core/errors.js';
import { execute, type Queryable, selectRows } from './sql.js';

/** A registered dataset (migrations/0001_registry.sql) with its columns in ordinal order. */
export interface DatasetEntry {
  dataset: string;
  kind: string;
  tableName: string;
  contract: 'evolve' | 'freeze';
  infPolicy: 'reject' | 'null';
  /** The trading calendar its dates are checked against (NULL: the only one loaded, if exactly one). */
  calendar: string | null;
  /** Quality thresholds as JSON (core/quality/policy.ts parsePolicy); NULL: the defaults. */
  rules: string | null;
  /** Set by an admin (HTTP API): a retired dataset takes no new batches. */
  retiredAt: string | null;
  columns: ColumnSpec[];
}

/** The table a factor dataset lives in; the dataset name is already validated (core/identifiers.ts). */
export function factorTableName(dataset: string): string {
  return `f_${dataset}`;
}

/** Where restated rows of a factor table are kept. */
export function historyTableName(dataset: string): string {
  return `f_${dataset}__history`;
}

/** Read a dataset's registry entry, or undefined when it is not registered. */
export async function findDataset(db: Queryable, dataset: string): Promise<DatasetEntry | undefined> {
  const [row] = await selectRows(
    db,
    'SELECT dataset, kind, table_name, contract, inf_policy, calendar, rules, retired_at FROM datasets WHERE dataset = ?',
    [dataset],
  );
  if (row === undefined) return undefined;
  const columns = await selectRows(
    db,
    'SELECT column_name, column_type FROM dataset_columns WHERE dataset = ? ORDER BY ordinal, column_name',
    [dataset],
  );
  return {
    dataset: String(row.dataset),
    kind: String(row.kind),
    tableName: String(row.table_name),
    contract: row.contract === 'freeze' ? 'freeze' : 'evolve',
    infPolicy: row.inf_policy === 'null' ? 'null' : 'reject',
    calendar: row.calendar ?? null,
    rules: row.rules ?? null,
    retiredAt: row.retired_at ?? null,
    columns: columns.map((c) => ({ name: String(c.column_name), type: c.column_type as ColumnSpec['type'] })),
  };
}

/** Register a factor dataset with the contract new datasets get (SCHEMA_CONTRACT). */
export async function registerDataset(
  db: Queryable,
  dataset: string,
  contract: 'evolve' | 'freeze',
): Promise<void> {
  await execute(
    db,
    `INSERT IGNORE INTO datasets (dataset, kind, table_name, contract, created_at, updated_at)
     VALUES (?, 'factors', ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`,
    [dataset, factorTableName(dataset), contract],
  );
}

/** Record columns a batch added (after the table has them), numbered after the existing ones, in one statement. */
export async function recordColumns(
  db: Queryable,
  dataset: string,
  columns: readonly ColumnSpec[],
  batchId: string,
  firstOrdinal: number,
): Promise<void> {
  if (columns.length === 0) return;
  const rows = columns.map((c, i) => [dataset, c.name, c.type, firstOrdinal + i, batchId]);
  await execute(
    db,
    `INSERT IGNORE INTO dataset_columns (dataset, column_name, column_type, ordinal, added_by_batch, added_at)
     VALUES ${rows.map(() => '(?, ?, ?, ?, ?, UTC_TIMESTAMP(3))').join(', ')}`,
    rows.flat(),
  );
}

/**
 * Take the per-dataset DDL lock on `db` (one connection: GET_LOCK belongs to its session, and survives its
 * transactions). CREATE/ALTER commit implicitly in MySQL, so they run before the load transaction; a batch that
 * changes the schema keeps the lock until it commits or has taken its changes back (docs/ingest.md).
 */
export async function lockDataset(db: Queryable, dataset: string, timeoutSeconds: number): Promise<void> {
  const [row] = await selectRows(db, 'SELECT GET_LOCK(?, ?) AS got', [lockName(dataset), timeoutSeconds]);
  if (Number(row?.got) !== 1) {
    throw new TransientError(
      'DDL_LOCK_TIMEOUT',
      `another batch holds the schema lock of ${dataset} for over ${timeoutSeconds} s`,
    );
  }
}

/** Release the DDL lock; a dead connection released it with its session (nothing to hide the error that killed it). */
export async function unlockDataset(db: Queryable, dataset: string): Promise<void> {
  await selectRows(db, 'SELECT RELEASE_LOCK(?) AS released', [lockName(dataset)]).catch(() => undefined);
}

/**
 * The other datasets that own `dataset`'s table or history table: by the registry's table_name, or because
 * their own history table has that name (datasets registered before names with "__" were refused).
 */
export async function tableOwners(db: Queryable, dataset: string): Promise<string[]> {
  const names = [factorTableName(dataset), historyTableName(dataset)];
  const rows = await selectRows(
    db,
    `SELECT dataset FROM datasets
      WHERE dataset <> ? AND (table_name IN (?) OR CONCAT('f_', dataset, '__history') IN (?))`,
    [dataset, names, names],
  );
  return rows.map((r) => String(r.dataset));
}

function lockName(dataset: string): string {
  return `qlib_ddl:${dataset}`;
}
