-- Experiment results as MLflow's file store (qlib's recorder) keeps them: experiments, runs, params,
-- metrics (every logged value: key, step, timestamp) and tags. Artifacts (pickles) are never loaded here.
CREATE TABLE IF NOT EXISTS experiments (
  experiment_id     VARCHAR(64)  NOT NULL,
  name              VARCHAR(255) NOT NULL,
  artifact_location TEXT         NULL,
  lifecycle_stage   VARCHAR(16)  NOT NULL DEFAULT 'active',
  created_at        DATETIME(3)  NULL,
  updated_at        DATETIME(3)  NULL,
  batch_id          VARCHAR(128) NOT NULL,
  PRIMARY KEY (experiment_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS runs (
  run_id          VARCHAR(64)  NOT NULL,
  experiment_id   VARCHAR(64)  NOT NULL,
  run_name        VARCHAR(255) NULL,
  status          VARCHAR(16)  NOT NULL,
  start_time      DATETIME(3)  NULL,
  end_time        DATETIME(3)  NULL,
  lifecycle_stage VARCHAR(16)  NOT NULL DEFAULT 'active',
  artifact_uri    TEXT         NULL,
  batch_id        VARCHAR(128) NOT NULL,
  PRIMARY KEY (run_id),
  KEY ix_runs_experiment (experiment_id, start_time)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS run_params (
  run_id       VARCHAR(64)  NOT NULL,
  param_key    VARCHAR(250) NOT NULL,
  param_value  TEXT         NOT NULL,
  PRIMARY KEY (run_id, param_key)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS run_metrics (
  run_id      VARCHAR(64)  NOT NULL,
  metric_key  VARCHAR(250) NOT NULL,
  step        BIGINT       NOT NULL,
  ts_ms       BIGINT       NOT NULL,
  value       DOUBLE       NULL,
  PRIMARY KEY (run_id, metric_key, step, ts_ms)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS run_tags (
  run_id     VARCHAR(64)  NOT NULL,
  tag_key    VARCHAR(250) NOT NULL,
  tag_value  TEXT         NOT NULL,
  PRIMARY KEY (run_id, tag_key)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
