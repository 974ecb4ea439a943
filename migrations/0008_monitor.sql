-- The monitor (docs/monitor.md): incidents and their state changes, every check result, the monitor's own
-- runs, per-dataset SLAs, per-day profiles for drift, re-drives of stuck and lost batches, and what the
-- alerts outbox needs to carry incident messages. MySQL 8 and MariaDB 10.6+; every CREATE is idempotent.

-- One row per finding, keyed by (check, subject, day): opened → escalated → resolved (→ reopened).
-- `revision` counts state changes: a change is a conditional UPDATE … WHERE revision = <read>, so of two
-- overlapping monitor runs (or an FC retry of the timer event) exactly one makes it and sends its message.
CREATE TABLE IF NOT EXISTS incidents (
  id            BIGINT       NOT NULL AUTO_INCREMENT,
  incident_key  VARCHAR(255) NOT NULL,
  check_name    VARCHAR(32)  NOT NULL,
  subject       VARCHAR(128) NOT NULL,
  dataset       VARCHAR(48)  NULL,
  trading_day   DATE         NULL,
  batch_id      VARCHAR(128) NULL,
  code          VARCHAR(64)  NULL,
  state         VARCHAR(16)  NOT NULL,
  severity      VARCHAR(8)   NOT NULL,
  revision      INT          NOT NULL,
  summary       TEXT         NOT NULL,
  detail        MEDIUMTEXT   NULL,
  opened_at     DATETIME(3)  NOT NULL,
  escalated_at  DATETIME(3)  NULL,
  resolved_at   DATETIME(3)  NULL,
  updated_at    DATETIME(3)  NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_incidents_key (incident_key),
  KEY ix_incidents_state (state, check_name),
  KEY ix_incidents_dataset (dataset, trading_day),
  CONSTRAINT ck_incidents_state CHECK (state IN ('open', 'resolved')),
  CONSTRAINT ck_incidents_severity CHECK (severity IN ('warn', 'error'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Every state change of an incident, once: (incident, revision) is the unique key of a transition.
CREATE TABLE IF NOT EXISTS incident_events (
  incident_id  BIGINT       NOT NULL,
  revision     INT          NOT NULL,
  transition   VARCHAR(16)  NOT NULL,
  severity     VARCHAR(8)   NOT NULL,
  at           DATETIME(3)  NOT NULL,
  source       VARCHAR(64)  NOT NULL,
  summary      TEXT         NOT NULL,
  PRIMARY KEY (incident_id, revision),
  CONSTRAINT ck_incident_events_transition CHECK (transition IN ('opened', 'escalated', 'resolved', 'reopened'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The alerts table stays the outbox: one row per message (an incident transition on one channel). A publisher holds
-- a message while it tries (publishing_by, last_attempt_at), so nobody else publishes it meanwhile.
ALTER TABLE alerts
  ADD COLUMN incident_id BIGINT NULL,
  ADD COLUMN transition VARCHAR(16) NULL,
  ADD COLUMN channel VARCHAR(8) NOT NULL DEFAULT 'topic',
  ADD COLUMN last_attempt_at DATETIME(3) NULL,
  ADD COLUMN publishing_by VARCHAR(64) NULL,
  ADD KEY ix_alerts_batch (batch_id),
  ADD KEY ix_alerts_incident (incident_id);

-- The monitor's own runs (one row per attempt of a timer event). The HTTP API's health reads this table:
-- the last `completed` run's scheduled_at/finished_at, stale after two MONITOR_INTERVAL_MINUTES.
CREATE TABLE IF NOT EXISTS monitor_runs (
  id            BIGINT       NOT NULL AUTO_INCREMENT,
  request_id    VARCHAR(64)  NOT NULL,
  scheduled_at  DATETIME(3)  NOT NULL,
  started_at    DATETIME(3)  NOT NULL,
  finished_at   DATETIME(3)  NULL,
  status        VARCHAR(16)  NOT NULL,
  checks        INT          NOT NULL DEFAULT 0,
  transitions   INT          NOT NULL DEFAULT 0,
  redriven      INT          NOT NULL DEFAULT 0,
  published     INT          NOT NULL DEFAULT 0,
  summary       TEXT         NULL,
  error         TEXT         NULL,
  PRIMARY KEY (id),
  KEY ix_monitor_runs_status (status, scheduled_at),
  CONSTRAINT ck_monitor_runs_status CHECK (status IN ('running', 'completed', 'failed'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Every evaluation of every check, with its figures: the queryable history.
CREATE TABLE IF NOT EXISTS check_results (
  id            BIGINT       NOT NULL AUTO_INCREMENT,
  run_id        BIGINT       NOT NULL,
  evaluated_at  DATETIME(3)  NOT NULL,
  check_name    VARCHAR(32)  NOT NULL,
  subject       VARCHAR(128) NOT NULL,
  dataset       VARCHAR(48)  NULL,
  trading_day   DATE         NULL,
  outcome       VARCHAR(16)  NOT NULL,
  figures       TEXT         NULL,
  incident_key  VARCHAR(255) NULL,
  PRIMARY KEY (id),
  KEY ix_check_results_subject (check_name, subject, evaluated_at),
  KEY ix_check_results_dataset (dataset, trading_day),
  KEY ix_check_results_run (run_id),
  KEY ix_check_results_time (evaluated_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Freshness SLAs (docs/monitor.md). dataset '*' is the default every dataset inherits; NULL inherits.
CREATE TABLE IF NOT EXISTS dataset_slas (
  dataset          VARCHAR(48)  NOT NULL,
  enabled          TINYINT      NULL,
  calendar         VARCHAR(48)  NULL,
  frequency        VARCHAR(8)   NULL,
  time_zone        VARCHAR(64)  NULL,
  due_time         VARCHAR(12)  NULL,
  warn_after       VARCHAR(12)  NULL,
  error_after      VARCHAR(12)  NULL,
  drift_threshold  DOUBLE       NULL,
  updated_at       DATETIME(3)  NOT NULL,
  updated_by       VARCHAR(64)  NOT NULL,
  PRIMARY KEY (dataset)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Per dataset and trading day, what the loaded rows looked like (written in the load transaction).
CREATE TABLE IF NOT EXISTS dataset_profiles (
  dataset      VARCHAR(48)  NOT NULL,
  trade_date   DATE         NOT NULL,
  batch_id     VARCHAR(128) NOT NULL,
  row_count    INT          NOT NULL,
  columns_json MEDIUMTEXT   NOT NULL,
  profiled_at  DATETIME(3)  NOT NULL,
  PRIMARY KEY (dataset, trade_date)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Each re-drive of a batch, once: (batch, attempt) is the claim two overlapping runs race for.
CREATE TABLE IF NOT EXISTS redrives (
  batch_id       VARCHAR(128)  NOT NULL,
  attempt        INT           NOT NULL,
  reason         VARCHAR(16)   NOT NULL,
  manifest_key   VARCHAR(1024) NOT NULL,
  run_id         BIGINT        NULL,
  requested_at   DATETIME(3)   NOT NULL,
  invocation_id  VARCHAR(64)   NULL,
  outcome        VARCHAR(16)   NOT NULL,
  error          TEXT          NULL,
  PRIMARY KEY (batch_id, attempt),
  KEY ix_redrives_time (requested_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Where a bounded scan stopped, so the next run goes on from there (the incoming/ listing).
CREATE TABLE IF NOT EXISTS monitor_cursors (
  name        VARCHAR(64)   NOT NULL,
  position    VARCHAR(1024) NOT NULL,
  updated_at  DATETIME(3)   NOT NULL,
  PRIMARY KEY (name)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
