import type { PoolConnection } from 'mysql2/promise';
import { connect } from '../../adapters/warehouse/sql.js';
import type { ManifestV1 } from '../../core/manifest.js';
import type { IngestDeps, Job } from './deps.js';
import { prepareInspection } from './inspection.js';
import { type LoadDecision, loadBatch } from './load-batch.js';
import { prepareSchema, type SchemaChange, settleSchema } from './schema.js';

/**
 * Schema (factors), the rules with what the warehouse knows, then the load transaction — all on one connection,
 * which holds the dataset's DDL lock while a batch that changed the schema loads. Afterwards the schema change is
 * taken back unless the batch committed, so a rejected batch leaves no table, column or registry row behind.
 * Experiments batches have their own loader (functions/ingest/experiments/).
 */
export async function prepareAndLoad(
  deps: IngestDeps,
  job: Job,
  manifest: ManifestV1,
): Promise<LoadDecision> {
  if (manifest.kind === 'experiments') {
    // Imported on the first experiments batch: a factors batch, the nightly case, never evaluates that loader.
    const { loadExperiments } = await import('./experiments/load-experiments.js');
    return loadExperiments(deps, job, manifest);
  }
  const conn = await connect(deps.pool);
  let schema: SchemaChange | undefined;
  let decision: LoadDecision | undefined;
  try {
    decision = await loadOn(deps, job, conn, manifest, (change) => {
      schema = change;
    });
    return decision;
  } finally {
    const alive = await isAlive(conn);
    if (schema !== undefined && alive) await settleSchema(conn, schema, decision?.kind === 'loaded', job.log);
    if (alive) conn.release();
    else conn.destroy();
  }
}

async function loadOn(
  deps: IngestDeps,
  job: Job,
  conn: PoolConnection,
  manifest: ManifestV1,
  prepared: (change: SchemaChange) => void,
): Promise<LoadDecision> {
  let schema: SchemaChange | undefined;
  if (manifest.kind === 'factors') {
    const result = await prepareSchema(deps, conn, manifest, job.log);
    if ('rejection' in result) return { kind: 'rejected', rejection: result.rejection };
    schema = result.change;
    prepared(schema);
  }
  job.log.debug('schema ready');
  const inspection = await prepareInspection(deps, manifest, schema?.entry);
  if ('rejection' in inspection) return { kind: 'rejected', rejection: inspection.rejection };
  job.log.debug('loading', { mode: deps.config.loadMode, calendar: inspection.calendar });
  return loadBatch(deps, job, conn, manifest, inspection, schema);
}

/** A connection killed under the load (or whose rollback failed) is not given back to the pool. */
async function isAlive(conn: PoolConnection): Promise<boolean> {
  try {
    await conn.ping();
    return true;
  } catch {
    return false;
  }
}
