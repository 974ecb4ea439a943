import { ensureFactorTables } from '../../adapters/warehouse/factor-tables.js';
import {
  type DatasetEntry,
  findDataset,
  recordColumns,
  registerDataset,
  withDatasetLock,
} from '../../adapters/warehouse/registry.js';
import { connect } from '../../adapters/warehouse/sql.js';
import type { ColumnSpec } from '../../core/csv/index.js';
import { columnKey } from '../../core/identifiers.js';
import type { ManifestV1 } from '../../core/manifest.js';
import type { IngestDeps } from './deps.js';
import { type Rejection, rejectWith } from './rejection.js';

export type SchemaPlan =
  | { action: 'reject'; code: string; message: string }
  | { action: 'proceed'; register: boolean; add: ColumnSpec[] };

const DDL_LOCK_SECONDS = 60;

/**
 * The registry decision (pure): an unknown dataset is registered or rejected (UNKNOWN_DATASET); new columns
 * evolve the table or are rejected (the dataset's contract); a column never changes float32 ↔ float64.
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
    return { action: 'proceed', register: true, add: [...columns] };
  }
  if (entry.kind !== 'factors') {
    return {
      action: 'reject',
      code: 'DATASET_KIND_MISMATCH',
      message: `the dataset is registered as ${entry.kind}`,
    };
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
    return {
      action: 'reject',
      code: 'SCHEMA_FROZEN',
      message: `new columns ${names} and the contract is freeze`,
    };
  }
  return { action: 'proceed', register: false, add };
}

/**
 * Decide and apply the schema of a factor batch under the dataset's DDL lock, before the load transaction
 * (CREATE/ALTER commit implicitly). Returns the registry entry as it is afterwards, or the rejection.
 */
export async function prepareSchema(
  deps: IngestDeps,
  manifest: ManifestV1,
): Promise<{ entry: DatasetEntry } | { rejection: Rejection }> {
  const { dataset, batchId } = manifest;
  const conn = await connect(deps.pool);
  try {
    return await withDatasetLock(conn, dataset, DDL_LOCK_SECONDS, async () => {
      const before = await findDataset(conn, dataset);
      const plan = planSchema(before, manifest.columns, deps.config);
      if (plan.action === 'reject') return { rejection: rejectWith(plan.code, plan.message) };
      if (plan.register) await registerDataset(conn, dataset, deps.config.schemaContract);
      await ensureFactorTables(conn, dataset, [...(before?.columns ?? []), ...plan.add]);
      await recordColumns(conn, dataset, plan.add, batchId, (before?.columns.length ?? 0) + 1);
      if (plan.register || plan.add.length > 0) {
        deps.logger.info('dataset schema changed', {
          dataset,
          registered: plan.register,
          added: plan.add.map((c) => c.name),
        });
      }
      const after = await findDataset(conn, dataset);
      if (after === undefined)
        throw new Error(`dataset ${dataset} is not in the registry after registering it`);
      return { entry: after };
    });
  } finally {
    conn.release();
  }
}
