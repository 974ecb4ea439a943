import {
  columnHasValues,
  dropColumns,
  dropFactorTables,
  existingTables,
  floatColumnTypes,
  tableHasRows,
} from '../../adapters/warehouse/factor-tables.js';
import {
  type DatasetEntry,
  factorTableName,
  historyTableName,
  tableOwners,
} from '../../adapters/warehouse/registry.js';
import type { Queryable } from '../../adapters/warehouse/sql.js';
import type { ColumnSpec } from '../../core/csv/index.js';
import { columnKey } from '../../core/identifiers.js';
import type { Logger } from '../../core/logger.js';
import { type Rejection, rejectWith } from './rejection.js';

/**
 * The registry is the truth about a dataset's schema: a table or column it does not know is either someone
 * else's, or the leftover of a batch that changed the schema and then died before it could take the change back
 * (registry rows are written only by the commit, so a leftover never held committed values). These checks run
 * under the dataset's DDL lock, before any DDL.
 */

/**
 * TABLE_OWNED: another registered dataset owns this dataset's table or history table (a name registered before
 * "__" was refused, or a table_name set by hand), or the registry names another table for this dataset.
 */
export async function checkOwnership(
  db: Queryable,
  dataset: string,
  entry: DatasetEntry | undefined,
): Promise<Rejection | undefined> {
  const table = factorTableName(dataset);
  if (entry !== undefined && entry.tableName !== table) {
    const why = `the registry names ${entry.tableName} as the table of ${dataset}; ingest writes ${table} (fix datasets.table_name)`;
    return rejectWith('TABLE_OWNED', why);
  }
  const owners = await tableOwners(db, dataset);
  if (owners.length === 0) return undefined;
  const tables = `${table} / ${historyTableName(dataset)}`;
  return rejectWith('TABLE_OWNED', `${tables} belongs to dataset ${owners.join(', ')} in the registry`);
}

/**
 * An unregistered dataset whose tables exist: empty ones are leftovers (dropped, then built afresh); a table
 * holding rows belongs to somebody else (TABLE_UNREGISTERED, nothing touched).
 */
export async function clearLeftoverTables(
  db: Queryable,
  dataset: string,
  log: Logger,
): Promise<Rejection | undefined> {
  const present = await existingTables(db, [factorTableName(dataset), historyTableName(dataset)]);
  if (present.length === 0) return undefined;
  for (const table of present) {
    if (await tableHasRows(db, table)) {
      const why = `table ${table} holds rows but no dataset owns it in the registry: register ${dataset} by hand or drop the table`;
      return rejectWith('TABLE_UNREGISTERED', why);
    }
  }
  log.warn('dropping empty tables of a registration that never committed', { tables: present });
  await dropFactorTables(db, dataset);
  return undefined;
}

/**
 * Columns the batch adds that the tables have already (leftovers): the same type is simply reused; another type
 * is dropped first when it holds no value, and refused (COLUMN_TYPE_CHANGED) when it does.
 */
export async function reconcileColumns(
  db: Queryable,
  dataset: string,
  add: readonly ColumnSpec[],
): Promise<Rejection | undefined> {
  if (add.length === 0) return undefined;
  const tables = await existingTables(db, [factorTableName(dataset), historyTableName(dataset)]);
  const stale: string[] = [];
  for (const table of tables) {
    const types = await floatColumnTypes(db, table);
    for (const c of add) {
      const type = types.get(columnKey(c.name));
      if (type === undefined || type === c.type) continue;
      if (await columnHasValues(db, table, c.name)) {
        const why = `${table}.${c.name} is ${type} with values and not in the registry; the batch says ${c.type}`;
        return rejectWith('COLUMN_TYPE_CHANGED', why);
      }
      if (!stale.includes(c.name)) stale.push(c.name);
    }
  }
  await dropColumns(db, tables, stale);
  return undefined;
}
