import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import initSqlJs from 'sql.js';
import type { MlflowModel } from './mlflow-model.js';

/**
 * MLflow's tracking tables exactly as its migrations leave them (mlflow/mlflow tests/resources/db/latest_schema.sql,
 * the schema `mlflow db upgrade` produces): the tables push-runs reads, plus alembic_version.
 */
export const MLFLOW_SCHEMA = `
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL,
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
CREATE TABLE experiments (
	experiment_id INTEGER NOT NULL,
	name VARCHAR(256) NOT NULL,
	artifact_location VARCHAR(256),
	lifecycle_stage VARCHAR(32),
	creation_time BIGINT,
	last_update_time BIGINT,
	CONSTRAINT experiment_pk PRIMARY KEY (experiment_id),
	UNIQUE (name),
	CONSTRAINT experiments_lifecycle_stage CHECK (lifecycle_stage IN ('active', 'deleted'))
);
CREATE TABLE experiment_tags (
	key VARCHAR(250) NOT NULL,
	value VARCHAR(5000),
	experiment_id INTEGER NOT NULL,
	CONSTRAINT experiment_tag_pk PRIMARY KEY (key, experiment_id),
	FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id)
);
CREATE TABLE runs (
	run_uuid VARCHAR(32) NOT NULL,
	name VARCHAR(250),
	source_type VARCHAR(20),
	source_name VARCHAR(500),
	entry_point_name VARCHAR(50),
	user_id VARCHAR(256),
	status VARCHAR(9),
	start_time BIGINT,
	end_time BIGINT,
	source_version VARCHAR(50),
	lifecycle_stage VARCHAR(20),
	artifact_uri VARCHAR(200),
	experiment_id INTEGER,
	deleted_time BIGINT,
	CONSTRAINT run_pk PRIMARY KEY (run_uuid),
	FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id),
	CONSTRAINT runs_lifecycle_stage CHECK (lifecycle_stage IN ('active', 'deleted')),
	CONSTRAINT source_type CHECK (source_type IN ('NOTEBOOK', 'JOB', 'LOCAL', 'UNKNOWN', 'PROJECT')),
	CHECK (status IN ('SCHEDULED', 'FAILED', 'FINISHED', 'RUNNING', 'KILLED'))
);
CREATE TABLE latest_metrics (
	key VARCHAR(250) NOT NULL,
	value FLOAT NOT NULL,
	timestamp BIGINT,
	step BIGINT NOT NULL,
	is_nan BOOLEAN NOT NULL,
	run_uuid VARCHAR(32) NOT NULL,
	CONSTRAINT latest_metric_pk PRIMARY KEY (key, run_uuid),
	FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid),
	CHECK (is_nan IN (0, 1))
);
CREATE TABLE metrics (
	key VARCHAR(250) NOT NULL,
	value FLOAT NOT NULL,
	timestamp BIGINT NOT NULL,
	run_uuid VARCHAR(32) NOT NULL,
	step BIGINT DEFAULT '0' NOT NULL,
	is_nan BOOLEAN DEFAULT '0' NOT NULL,
	CONSTRAINT metric_pk PRIMARY KEY (key, timestamp, step, run_uuid, value, is_nan),
	FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid),
	CHECK (is_nan IN (0, 1))
);
CREATE TABLE params (
	key VARCHAR(250) NOT NULL,
	value VARCHAR(8000) NOT NULL,
	run_uuid VARCHAR(32) NOT NULL,
	CONSTRAINT param_pk PRIMARY KEY (key, run_uuid),
	FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid)
);
CREATE TABLE tags (
	key VARCHAR(250) NOT NULL,
	value VARCHAR(5000),
	run_uuid VARCHAR(32) NOT NULL,
	CONSTRAINT tag_pk PRIMARY KEY (key, run_uuid),
	FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid)
);
`;

/** MLflow's SQL store writes ±Inf as ±the largest double and NaN as 0 with is_nan (sqlalchemy_store.py). */
const MAX_DOUBLE = 1.7976931348623157e308;

/**
 * Write a model into a fresh MLflow SQLite database (what `mlflow server --backend-store-uri sqlite:///<file>`
 * keeps): the rows MLflow's SqlAlchemyStore inserts. Artifacts stay files under `artifactRoot/<run id>/`.
 */
export async function writeMlflowDb(file: string, model: MlflowModel, artifactRoot: string): Promise<void> {
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  db.exec(MLFLOW_SCHEMA);
  db.run("INSERT INTO alembic_version VALUES ('0584bdc529eb')");
  for (const e of model.experiments) {
    db.run('INSERT INTO experiments VALUES (?, ?, ?, ?, ?, ?)', [
      Number(e.id),
      e.name,
      `${pathToFileURL(artifactRoot).href}/${e.id}`,
      e.lifecycleStage,
      e.creationTime,
      e.lastUpdateTime,
    ]);
    for (const [k, v] of Object.entries(e.tags))
      db.run('INSERT INTO experiment_tags VALUES (?, ?, ?)', [k, v, Number(e.id)]);
  }
  for (const r of model.runs) {
    const artifactUri = `${pathToFileURL(artifactRoot).href}/${r.id}`;
    db.run(
      `INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time,
         source_version, lifecycle_stage, artifact_uri, experiment_id, deleted_time) VALUES (?, ?, 'UNKNOWN', '', '', 'quant', ?, ?, ?, '', ?, ?, ?, ?)`,
      [
        r.id,
        r.name,
        r.status,
        r.startTime,
        r.endTime,
        r.lifecycleStage,
        artifactUri,
        Number(r.experimentId),
        r.lifecycleStage === 'deleted' ? r.endTime : null,
      ],
    );
    for (const [path, bytes] of Object.entries(r.artifacts)) {
      mkdirSync(dirname(join(artifactRoot, r.id, path)), { recursive: true });
      writeFileSync(join(artifactRoot, r.id, path), bytes);
    }
    for (const [k, v] of Object.entries(r.params))
      db.run('INSERT INTO params VALUES (?, ?, ?)', [k, v, r.id]);
    for (const [k, v] of Object.entries(r.tags)) db.run('INSERT INTO tags VALUES (?, ?, ?)', [k, v, r.id]);
    for (const [key, points] of Object.entries(r.metrics)) {
      for (const [ts, value, step] of points) {
        const isNan = Number.isNaN(value);
        const stored = isNan
          ? 0
          : value === Infinity
            ? MAX_DOUBLE
            : value === -Infinity
              ? -MAX_DOUBLE
              : value;
        db.run('INSERT INTO metrics VALUES (?, ?, ?, ?, ?, ?)', [key, stored, ts, r.id, step, isNan ? 1 : 0]);
      }
    }
  }
  writeFileSync(file, db.export());
  db.close();
}
