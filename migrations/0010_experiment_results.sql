-- Experiment results (issue 12, docs/experiments.md): what 0005 lacks to hold qlib's recorder output losslessly.
-- * `store`: the batch's dataset, i.e. which MLflow store (a research server, a training node) the rows come from.
--   MLflow numbers experiments per store ("0", "1", …), so two stores' experiment "1" are different experiments;
--   run ids are uuid4 hex and global.
-- * run_metrics: MLflow keeps every logged value, even two with the same step and timestamp (its SQL store's
--   primary key includes the value), so a metric's history is keyed by its position `seq`; a NaN or ±Inf value is
--   stored as NULL with `non_finite` saying which.
-- * model configs stored once per content hash and linked from runs; artifacts with size and SHA-256; a typed
--   summary per run the web service can sort.
-- Each ALTER is one statement: InnoDB applies it whole or not at all (re-running after a failure is safe).
ALTER TABLE experiments
  ADD COLUMN store VARCHAR(48) NOT NULL DEFAULT '' FIRST,
  DROP PRIMARY KEY,
  ADD PRIMARY KEY (store, experiment_id);

ALTER TABLE runs
  ADD COLUMN store VARCHAR(48) NOT NULL DEFAULT '' AFTER run_id,
  ADD COLUMN config_hash CHAR(64) NULL AFTER artifact_uri,
  ADD COLUMN loaded_at DATETIME(3) NULL,
  DROP INDEX ix_runs_experiment,
  ADD KEY ix_runs_experiment (store, experiment_id, start_time),
  ADD KEY ix_runs_config (config_hash);

ALTER TABLE run_metrics
  ADD COLUMN seq INT NOT NULL DEFAULT 0 AFTER metric_key,
  ADD COLUMN non_finite VARCHAR(4) NULL,
  DROP PRIMARY KEY,
  ADD PRIMARY KEY (run_id, metric_key, seq),
  ADD CONSTRAINT ck_run_metrics_non_finite CHECK (non_finite IS NULL OR non_finite IN ('nan', 'inf', '-inf'));

CREATE TABLE IF NOT EXISTS experiment_tags (
  store          VARCHAR(48)  NOT NULL,
  experiment_id  VARCHAR(64)  NOT NULL,
  tag_key        VARCHAR(250) NOT NULL,
  tag_value      TEXT         NOT NULL,
  PRIMARY KEY (store, experiment_id, tag_key)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- One row per distinct config content (config_hash = SHA-256 of config_text's UTF-8 bytes). source: `yaml` (a
-- workflow YAML the run stored as a text artifact, or one given to push-runs) or `params` (rebuilt from the task
-- params qlib logs flattened). The query columns are what the agent parsed; segments_json keeps them exactly.
CREATE TABLE IF NOT EXISTS model_configs (
  config_hash     CHAR(64)     NOT NULL,
  source          VARCHAR(8)   NOT NULL,
  name            VARCHAR(255) NULL,
  config_text     MEDIUMTEXT   NOT NULL,
  model_class     VARCHAR(255) NULL,
  model_module    VARCHAR(255) NULL,
  dataset_class   VARCHAR(255) NULL,
  dataset_module  VARCHAR(255) NULL,
  handler_class   VARCHAR(255) NULL,
  handler_module  VARCHAR(255) NULL,
  market          VARCHAR(255) NULL,
  benchmark       VARCHAR(64)  NULL,
  label           TEXT         NULL,
  train_start     DATE         NULL,
  train_end       DATE         NULL,
  valid_start     DATE         NULL,
  valid_end       DATE         NULL,
  test_start      DATE         NULL,
  test_end        DATE         NULL,
  segments_json   TEXT         NULL,
  first_batch_id  VARCHAR(128) NOT NULL,
  created_at      DATETIME(3)  NOT NULL,
  PRIMARY KEY (config_hash),
  KEY ix_model_configs_model (model_class),
  KEY ix_model_configs_name (name),
  CONSTRAINT ck_model_configs_source CHECK (source IN ('yaml', 'params'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Every artifact file of a run: size always; SHA-256 and the OSS key when the agent's policy uploaded it
-- (artifacts/<store>/<run id>/<path>). Never unpickled or executed anywhere: opaque bytes.
CREATE TABLE IF NOT EXISTS run_artifacts (
  run_id      VARCHAR(64)   NOT NULL,
  path        VARCHAR(500)  NOT NULL,
  bytes       BIGINT        NOT NULL,
  sha256      CHAR(64)      NULL,
  object_key  VARCHAR(1024) NULL,
  PRIMARY KEY (run_id, path)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The standard qlib figures of a run as typed, indexed columns (the latest value of each recorded metric):
-- SigAnaRecord's IC, ICIR, Rank IC, Rank ICIR and PortAnaRecord's 1day excess return with and without cost.
-- Other frequencies are in run_excess_returns. snapshot_id is the run's `qlib_sync.snapshot` tag.
CREATE TABLE IF NOT EXISTS run_summaries (
  run_id                          VARCHAR(64)  NOT NULL,
  store                           VARCHAR(48)  NOT NULL,
  experiment_id                   VARCHAR(64)  NOT NULL,
  run_name                        VARCHAR(255) NULL,
  status                          VARCHAR(16)  NOT NULL,
  lifecycle_stage                 VARCHAR(16)  NOT NULL,
  start_time                      DATETIME(3)  NULL,
  end_time                        DATETIME(3)  NULL,
  config_hash                     CHAR(64)     NULL,
  model_class                     VARCHAR(255) NULL,
  snapshot_id                     VARCHAR(128) NULL,
  ic                              DOUBLE       NULL,
  icir                            DOUBLE       NULL,
  rank_ic                         DOUBLE       NULL,
  rank_icir                       DOUBLE       NULL,
  ann_return_without_cost_1day    DOUBLE       NULL,
  info_ratio_without_cost_1day    DOUBLE       NULL,
  max_drawdown_without_cost_1day  DOUBLE       NULL,
  ann_return_with_cost_1day       DOUBLE       NULL,
  info_ratio_with_cost_1day       DOUBLE       NULL,
  max_drawdown_with_cost_1day     DOUBLE       NULL,
  batch_id                        VARCHAR(128) NOT NULL,
  PRIMARY KEY (run_id),
  KEY ix_run_summaries_start (store, experiment_id, start_time),
  KEY ix_run_summaries_ic (experiment_id, ic),
  KEY ix_run_summaries_rank_ic (experiment_id, rank_ic),
  KEY ix_run_summaries_ann_return (experiment_id, ann_return_with_cost_1day),
  KEY ix_run_summaries_info_ratio (experiment_id, info_ratio_with_cost_1day),
  KEY ix_run_summaries_snapshot (snapshot_id),
  KEY ix_run_summaries_config (config_hash)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS run_excess_returns (
  run_id             VARCHAR(64) NOT NULL,
  frequency          VARCHAR(16) NOT NULL,
  cost               VARCHAR(12) NOT NULL,
  mean               DOUBLE      NULL,
  std                DOUBLE      NULL,
  annualized_return  DOUBLE      NULL,
  information_ratio  DOUBLE      NULL,
  max_drawdown       DOUBLE      NULL,
  PRIMARY KEY (run_id, frequency, cost),
  CONSTRAINT ck_run_excess_returns_cost CHECK (cost IN ('with_cost', 'without_cost'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
