import type { PoolConnection } from 'mysql2/promise';
import {
  changedTables,
  ensureFactorTables,
  existingTables,
  type TableChanges,
  tableColumns,
  undoTableChanges,
} from '../../adapters/warehouse/factor-tables.js';
import type { Registration } from '../../adapters/warehouse/loader.js';
import {
  type DatasetEntry,
  factorTableName,
  findDataset,
  historyTableName,
  lockDataset,
  unlockDataset,
} from '../../adapters/warehouse/registry.js';
import type { ColumnSpec } from '../../core/csv/index.js';
import { isTerminal } from '../../core/errors.js';
import { columnKey } from '../../core/identifiers.js';
import type { Logger } from '../../core/logger.js';
import type { ManifestV1 } from '../../core/manifest.js';
import { tableShapeProblem } from '../../core/table-shape.js';
import type { IngestDeps } from './deps.js';
import { type Rejection, rejectWith } from './rejection.js';
import { checkOwnership, clearLeftoverTables, reconcileColumns } from './schema-leftovers.js';

export type SchemaPlan =
  | { action: 'reject'; code: string; message: string }
  | { action: 'proceed'; register: boolean; add: ColumnSpec[] };

/** A factor batch's schema, ready for its load: the registry entry as it will be once the batch commits. */
export interface SchemaChange {
  dataset: string;
  entry: DatasetEntry;
  /** Registry rows the load transaction writes (a new dataset, new columns); undefined when nothing is new. */
  registration: Registration | undefined;
  /** What this attempt did to the tables, taken back unless the batch commits. */
  tables: TableChanges;
  /** This connection holds the dataset's DDL lock until settleSchema (the batch changed the schema). */
  locked: boolean;
}

const DDL_LOCK_SECONDS = 60;

/**
 * The registry decision (pure): an unknown dataset is registered or rejected (UNKNOWN_DATASET); new columns
 * evolve the table or are rejected (the dataset's contract); a column never changes float32 ↔ float64; the table
 * with every column must fit InnoDB's row (SCHEMA_TOO_WIDE, core/table-shape.ts).
 */
export function planSchema(
  entry: DatasetEntry | undefined,
  columns: readonly ColumnSpec[],
  settings: Pick<IngestDeps['config'], 'unknownDataset' | 'schemaContract'>,
): SchemaPlan {
  if (entry === undefined) {
    if (settings.unknownDataset === 'reject') {
      return { action: 'reject', code: 'DATASET_UNKNOWN', message: 'the dataset is not registered' };
    }
    return checkShape({ action: 'proceed', register: true, add: [...columns] }, []);
  }
  if (entry.retiredAt !== null) {
    return {
      action: 'reject',
      code: 'DATASET_RETIRED',
      message: `the dataset was retired at ${entry.retiredAt} UTC`,
    };
  }
  if (entry.kind !== 'factors') {
    const message = `the dataset is registered as ${entry.kind}`;
    return { action: 'reject', code: 'DATASET_KIND_MISMATCH', message };
  }
  const known = new Map(entry.columns.map((c) => [columnKey(c.name), c]));
  const changed = columns.filter((c) => {
    const registered = known.get(columnKey(c.name));
    return registered !== undefined && registered.type !== c.type;
  });
  if (changed.length > 0) {
    const list = changed.map(
      (c) => `${c.name} is ${known.get(columnKey(c.name))?.type}, the batch says ${c.type}`,
    );
    return { action: 'reject', code: 'COLUMN_TYPE_CHANGED', message: list.join('; ') };
  }
  const add = columns.filter((c) => !known.has(columnKey(c.name)));
  if (add.length > 0 && entry.contract === 'freeze') {
    const names = add.map((c) => c.name).join(', ');
    const message = `new columns ${names} and the contract is freeze`;
    return { action: 'reject', code: 'SCHEMA_FROZEN', message };
  }
  return checkShape({ action: 'proceed', register: false, add }, entry.columns);
}

function checkShape(plan: Extract<SchemaPlan, { action: 'proceed' }>, registered: readonly ColumnSpec[]) {
  const problem = tableShapeProblem([...registered, ...plan.add]);
  return problem === undefined
    ? plan
    : { action: 'reject' as const, code: 'SCHEMA_TOO_WIDE', message: problem };
}

/**
 * Decide and build the schema of a factor batch on the load's own connection, under the dataset's DDL lock
 * (CREATE/ALTER commit implicitly, so they run before the load transaction). The registry learns nothing until
 * the batch commits (SchemaChange.registration); when the batch changes the schema, the lock stays held so no
 * other batch sees the tables half-way, and settleSchema takes the change back unless the batch committed.
 * MySQL refusing the table (SCHEMA_REFUSED, adapters/warehouse/errors.ts) is a rejection, not a bug.
 */
export async function prepareSchema(
  deps: IngestDeps,
  conn: PoolConnection,
  manifest: ManifestV1,
  log: Logger,
): Promise<{ change: SchemaChange } | { rejection: Rejection }> {
  const { dataset } = manifest;
  await lockDataset(conn, dataset, DDL_LOCK_SECONDS);
  let change: SchemaChange | undefined;
  try {
    const before = await findDataset(conn, dataset);
    const refused = await checkOwnership(conn, dataset, before);
    if (refused !== undefined) return { rejection: refused };
    const leftover = before === undefined ? await clearLeftoverTables(conn, dataset, log) : undefined;
    if (leftover !== undefined) return { rejection: leftover };
    const plan = planSchema(before, manifest.columns, deps.config);
    if (plan.action === 'reject') return { rejection: rejectWith(plan.code, plan.message) };
    const stale = await reconcileColumns(conn, dataset, plan.add);
    if (stale !== undefined) return { rejection: stale };
    const tables = await buildTables(conn, dataset, [...(before?.columns ?? []), ...plan.add]);
    if ('rejection' in tables) return tables;
    change = changeOf(deps, dataset, before, plan, tables);
    if (change.locked) log.info('dataset schema prepared', { registered: plan.register, added: plan.add });
    return { change };
  } finally {
    if (change?.locked !== true) await unlockDataset(conn, dataset);
  }
}

/** After the load: take back the tables' change unless the batch committed, then release the DDL lock. */
export async function settleSchema(
  conn: PoolConnection,
  change: SchemaChange,
  committed: boolean,
  log: Logger,
): Promise<void> {
  if (!change.locked) return;
  try {
    if (!committed) await undoTableChanges(conn, change.tables);
  } catch (error) {
    log.warn('could not take back the schema change of a batch that did not commit; the next batch will', {
      error,
    });
  } finally {
    await unlockDataset(conn, change.dataset);
  }
}

/** ensureFactorTables; when MySQL refuses part-way, what was built is taken back before the rejection. */
async function buildTables(
  conn: PoolConnection,
  dataset: string,
  columns: ColumnSpec[],
): Promise<TableChanges | { rejection: Rejection }> {
  const tables = [factorTableName(dataset), historyTableName(dataset)];
  const existed = await existingTables(conn, tables);
  const before = new Set<string>();
  for (const table of existed)
    for (const c of await tableColumns(conn, table)) before.add(`${table}.${columnKey(c)}`);
  try {
    return await ensureFactorTables(conn, dataset, columns);
  } catch (error) {
    if (!(isTerminal(error) && error.code === 'SCHEMA_REFUSED')) throw error;
    const added = existed.map((table) => ({
      table,
      columns: columns.filter((c) => !before.has(`${table}.${columnKey(c.name)}`)),
    }));
    await undoTableChanges(conn, { created: tables.filter((t) => !existed.includes(t)), added });
    return { rejection: rejectWith('SCHEMA_REFUSED', error.message) };
  }
}

function changeOf(
  deps: IngestDeps,
  dataset: string,
  before: DatasetEntry | undefined,
  plan: Extract<SchemaPlan, { action: 'proceed' }>,
  tables: TableChanges,
): SchemaChange {
  const entry: DatasetEntry = before
    ? { ...before, columns: [...before.columns, ...plan.add] }
    : {
        dataset,
        kind: 'factors',
        tableName: factorTableName(dataset),
        contract: deps.config.schemaContract,
        infPolicy: 'reject',
        calendar: null,
        rules: null,
        retiredAt: null,
        columns: [...plan.add],
      };
  const registry = plan.register || plan.add.length > 0;
  const registration: Registration | undefined = registry
    ? {
        dataset,
        register: plan.register,
        contract: deps.config.schemaContract,
        columns: plan.add,
        firstOrdinal: (before?.columns.length ?? 0) + 1,
      }
    : undefined;
  const locked = registry || changedTables(tables);
  return { dataset, entry, registration, tables, locked };
}
