import type { PoolConnection } from 'mysql2/promise';
import type {
  ArtifactRecord,
  ConfigRecord,
  ExperimentRecord,
  RunRecord,
} from '../../../core/experiments/lines.js';
import { execute, selectRows } from '../sql.js';
import { insertConfig } from './config-writer.js';
import { datetimeOf, RowWriter } from './rows.js';

/** Where a run's rows are now: its store and the batch that wrote them (batch ids sort by creation time). */
export interface StoredRun {
  store: string;
  batchId: string;
}

const CHILD_TABLES = [
  'run_params',
  'run_tags',
  'run_metrics',
  'run_artifacts',
  'run_summaries',
  'run_excess_returns',
];

/**
 * The experiments tables (migrations 0005, 0010) written inside one load transaction (its connection): every
 * statement prepared, every name a constant. A restated run's rows are deleted and written again in the same
 * transaction, so a reader sees the old run or the new one, never a mix.
 */
export class ExperimentWriter {
  readonly metrics: RowWriter;
  private readonly params: RowWriter;
  private readonly tags: RowWriter;
  private readonly artifacts: RowWriter;

  constructor(
    private readonly conn: PoolConnection,
    private readonly store: string,
    private readonly batchId: string,
  ) {
    this.metrics = new RowWriter(conn, 'run_metrics', [
      'run_id',
      'metric_key',
      'seq',
      'step',
      'ts_ms',
      'value',
      'non_finite',
    ]);
    this.params = new RowWriter(conn, 'run_params', ['run_id', 'param_key', 'param_value']);
    this.tags = new RowWriter(conn, 'run_tags', ['run_id', 'tag_key', 'tag_value']);
    this.artifacts = new RowWriter(conn, 'run_artifacts', [
      'run_id',
      'path',
      'bytes',
      'sha256',
      'object_key',
    ]);
  }

  /** The batch that last wrote an experiment of this store (locked until commit), if any. */
  async experimentBatch(experimentId: string): Promise<string | undefined> {
    const [row] = await selectRows(
      this.conn,
      'SELECT batch_id FROM experiments WHERE store = ? AND experiment_id = ? FOR UPDATE',
      [this.store, experimentId],
    );
    return row === undefined ? undefined : String(row.batch_id);
  }

  async writeExperiment(e: ExperimentRecord): Promise<void> {
    const values = [
      e.name,
      e.artifactLocation,
      e.lifecycleStage,
      datetimeOf(e.creationTime),
      datetimeOf(e.lastUpdateTime),
      this.batchId,
    ];
    await execute(this.conn, 'DELETE FROM experiments WHERE store = ? AND experiment_id = ?', [
      this.store,
      e.experimentId,
    ]);
    await execute(
      this.conn,
      `INSERT INTO experiments (store, experiment_id, name, artifact_location, lifecycle_stage, created_at, updated_at, batch_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [this.store, e.experimentId, ...values],
    );
    await execute(this.conn, 'DELETE FROM experiment_tags WHERE store = ? AND experiment_id = ?', [
      this.store,
      e.experimentId,
    ]);
    const tags = new RowWriter(this.conn, 'experiment_tags', [
      'store',
      'experiment_id',
      'tag_key',
      'tag_value',
    ]);
    for (const [key, value] of Object.entries(e.tags))
      await tags.add([this.store, e.experimentId, key, value]);
    await tags.flush();
  }

  /** A config is stored once per content: a second batch with the same hash changes nothing. */
  writeConfig(c: ConfigRecord): Promise<void> {
    return insertConfig(this.conn, c, this.batchId);
  }

  async hasExperiment(experimentId: string): Promise<boolean> {
    const rows = await selectRows(
      this.conn,
      'SELECT 1 FROM experiments WHERE store = ? AND experiment_id = ?',
      [this.store, experimentId],
    );
    return rows.length > 0;
  }

  async configModelClass(hash: string): Promise<{ found: boolean; modelClass: string | null }> {
    const [row] = await selectRows(this.conn, 'SELECT model_class FROM model_configs WHERE config_hash = ?', [
      hash,
    ]);
    return row === undefined
      ? { found: false, modelClass: null }
      : { found: true, modelClass: row.model_class ?? null };
  }

  /** Where the run's rows are now (locked until commit: two batches restating one run queue here). */
  async storedRun(runId: string): Promise<StoredRun | undefined> {
    const [row] = await selectRows(
      this.conn,
      'SELECT store, batch_id FROM runs WHERE run_id = ? FOR UPDATE',
      [runId],
    );
    return row === undefined ? undefined : { store: String(row.store), batchId: String(row.batch_id) };
  }

  /** Replace everything stored of a run with this record (params and tags included); metrics and artifacts follow. */
  async writeRun(r: RunRecord): Promise<void> {
    for (const table of CHILD_TABLES)
      await execute(this.conn, `DELETE FROM ${table} WHERE run_id = ?`, [r.runId]);
    await execute(this.conn, 'DELETE FROM runs WHERE run_id = ?', [r.runId]);
    await execute(
      this.conn,
      `INSERT INTO runs (run_id, store, experiment_id, run_name, status, start_time, end_time, lifecycle_stage,
         artifact_uri, config_hash, batch_id, loaded_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3))`,
      [
        r.runId,
        this.store,
        r.experimentId,
        r.name,
        r.status,
        datetimeOf(r.startTime),
        datetimeOf(r.endTime),
        r.lifecycleStage,
        r.artifactUri,
        r.configHash,
        this.batchId,
      ],
    );
    for (const [key, value] of Object.entries(r.params)) await this.params.add([r.runId, key, value]);
    for (const [key, value] of Object.entries(r.tags)) await this.tags.add([r.runId, key, value]);
  }

  async writeArtifact(a: ArtifactRecord): Promise<void> {
    await this.artifacts.add([a.runId, a.path, a.bytes, a.sha256, a.key]);
  }

  /** Send what is buffered; returns the rows written per table. */
  async flush(): Promise<{ params: number; tags: number; metrics: number; artifacts: number }> {
    for (const w of [this.params, this.tags, this.metrics, this.artifacts]) await w.flush();
    return {
      params: this.params.written,
      tags: this.tags.written,
      metrics: this.metrics.written,
      artifacts: this.artifacts.written,
    };
  }
}
