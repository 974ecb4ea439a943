import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import initSqlJs, { type Database, type SqlValue } from 'sql.js';
import { TerminalError } from '../../core/errors.js';
import type { MetricPoint } from '../../core/experiments/lines.js';
import {
  compareIds,
  type MlflowStore,
  type RunHandle,
  type StoreExperiment,
  type StoreRun,
} from './store-model.js';

/** How MLflow's SQL store writes ±Inf, which SQL cannot hold (mlflow/store/tracking/sqlalchemy_store.py). */
const MLFLOW_INF = 1.7976931348623157e308;

type Row = Record<string, SqlValue>;

/**
 * An MLflow SQLite store (`mlflow ui --backend-store-uri sqlite:///mlflow.db`; MLflow's schema, tests/resources/
 * db/latest_schema.sql). Read with sql.js, SQLite compiled to WebAssembly: no native build on the research server
 * or a training node (better-sqlite3 and sqlite3 compile C++ at install time). sql.js holds the database file in
 * memory while it is read; the file is never written.
 */
export class MlflowDbStore implements MlflowStore {
  private constructor(
    readonly location: string,
    private readonly db: Database,
  ) {}

  static async open(path: string): Promise<MlflowDbStore> {
    if (!existsSync(path))
      throw new TerminalError('MLFLOW_DB_NOT_FOUND', `no MLflow SQLite database at ${path}`);
    const SQL = await initSqlJs();
    const db = new SQL.Database(readFileSync(path));
    const tables = new Set(
      all(db, "SELECT name FROM sqlite_master WHERE type = 'table'").map((r) => String(r.name)),
    );
    for (const table of ['experiments', 'runs', 'params', 'metrics', 'tags']) {
      if (!tables.has(table)) {
        db.close();
        throw new TerminalError(
          'MLFLOW_DB_INVALID',
          `${path} is not an MLflow tracking database (no table ${table})`,
        );
      }
    }
    return new MlflowDbStore(path, db);
  }

  experiments(): StoreExperiment[] {
    const columns = new Set(all(this.db, 'PRAGMA table_info(experiments)').map((r) => String(r.name)));
    const time = (c: string) => (columns.has(c) ? c : `NULL AS ${c}`);
    const rows = all(
      this.db,
      `SELECT experiment_id, name, artifact_location, lifecycle_stage, ${time('creation_time')}, ${time('last_update_time')}
         FROM experiments`,
    );
    return rows
      .map((r) => ({
        experimentId: String(r.experiment_id),
        name: String(r.name),
        artifactLocation: textOrNull(r.artifact_location),
        lifecycleStage: String(r.lifecycle_stage ?? 'active'),
        creationTime: intOrNull(r.creation_time),
        lastUpdateTime: intOrNull(r.last_update_time),
        tags: this.keyValues(
          'SELECT key, value FROM experiment_tags WHERE experiment_id = ?',
          r.experiment_id ?? null,
        ),
      }))
      .sort((a, b) => compareIds(a.experimentId, b.experimentId));
  }

  runHandles(): RunHandle[] {
    return all(this.db, 'SELECT run_uuid, experiment_id FROM runs ORDER BY run_uuid').map((r) => ({
      runId: String(r.run_uuid),
      experimentId: String(r.experiment_id),
      quickFingerprint: undefined,
    }));
  }

  readRun(handle: RunHandle): StoreRun {
    const [r] = all(
      this.db,
      `SELECT run_uuid, experiment_id, name, status, start_time, end_time, lifecycle_stage, artifact_uri
         FROM runs WHERE run_uuid = ?`,
      [handle.runId],
    );
    if (r === undefined)
      throw new TerminalError('MLFLOW_DB_CHANGED', `run ${handle.runId} vanished while reading`);
    const tags = this.keyValues('SELECT key, value FROM tags WHERE run_uuid = ?', handle.runId);
    const artifactUri = textOrNull(r.artifact_uri);
    return {
      runId: String(r.run_uuid),
      experimentId: String(r.experiment_id),
      name: textOrNull(r.name) ?? tags['mlflow.runName'] ?? null,
      status: String(r.status ?? 'RUNNING'),
      startTime: intOrNull(r.start_time),
      endTime: intOrNull(r.end_time),
      lifecycleStage: String(r.lifecycle_stage ?? 'active'),
      artifactUri,
      params: this.keyValues('SELECT key, value FROM params WHERE run_uuid = ?', handle.runId),
      tags,
      metrics: this.metrics(handle.runId),
      artifactDir: localDir(artifactUri),
    };
  }

  close(): void {
    this.db.close();
  }

  /** Every logged value in logging order (SQLite's rowid); is_nan → "NaN", MLflow's ±max double → ±Infinity. */
  private metrics(runId: string): Map<string, MetricPoint[]> {
    const rows = all(
      this.db,
      'SELECT key, value, timestamp, step, is_nan FROM metrics WHERE run_uuid = ? ORDER BY key, rowid',
      [runId],
    );
    const out = new Map<string, MetricPoint[]>();
    for (const row of rows) {
      const key = String(row.key);
      const list = out.get(key) ?? [];
      if (list.length === 0) out.set(key, list);
      list.push([Number(row.step ?? 0), Number(row.timestamp), metricValue(row)]);
    }
    return out;
  }

  private keyValues(sql: string, id: SqlValue): Record<string, string> {
    const rows = all(this.db, `${sql} ORDER BY key`, [id]);
    return Object.fromEntries(rows.map((r) => [String(r.key), r.value === null ? '' : String(r.value)]));
  }
}

function metricValue(row: Row): MetricPoint[2] {
  if (Number(row.is_nan) === 1) return 'NaN';
  const value = Number(row.value);
  if (value >= MLFLOW_INF) return 'Infinity';
  if (value <= -MLFLOW_INF) return '-Infinity';
  return value;
}

function all(db: Database, sql: string, params: SqlValue[] = []): Row[] {
  const statement = db.prepare(sql, params);
  try {
    const rows: Row[] = [];
    while (statement.step()) rows.push(statement.getAsObject() as Row);
    return rows;
  } finally {
    statement.free();
  }
}

function localDir(uri: string | null): string | undefined {
  const path = uri?.startsWith('file:') ? fileURLToPath(uri) : uri?.startsWith('/') ? uri : undefined;
  return path !== undefined && existsSync(path) ? path : undefined;
}

function textOrNull(value: SqlValue | undefined): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function intOrNull(value: SqlValue | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
