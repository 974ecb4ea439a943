-- The dataset registry: every factor dataset, the table that holds it, its contract, and its columns.
-- SQL accepted by both MySQL 8 (RDS) and MariaDB 10.6+. Every statement is idempotent (IF NOT EXISTS),
-- so re-running a migration that failed part-way is safe.
CREATE TABLE IF NOT EXISTS datasets (
  dataset        VARCHAR(48)  NOT NULL,
  kind           VARCHAR(16)  NOT NULL,
  table_name     VARCHAR(64)  NOT NULL,
  frequency      VARCHAR(8)   NOT NULL DEFAULT 'day',
  contract       VARCHAR(8)   NOT NULL DEFAULT 'evolve',
  inf_policy     VARCHAR(8)   NOT NULL DEFAULT 'reject',
  calendar       VARCHAR(48)  NULL,
  rules          TEXT         NULL,
  created_at     DATETIME(3)  NOT NULL,
  updated_at     DATETIME(3)  NOT NULL,
  PRIMARY KEY (dataset),
  UNIQUE KEY uq_datasets_table (table_name),
  CONSTRAINT ck_datasets_kind CHECK (kind IN ('factors', 'calendar', 'experiments')),
  CONSTRAINT ck_datasets_contract CHECK (contract IN ('evolve', 'freeze')),
  CONSTRAINT ck_datasets_inf CHECK (inf_policy IN ('reject', 'null'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Column names compare case-insensitively in MySQL, so the registry does too (KMID and kmid collide).
CREATE TABLE IF NOT EXISTS dataset_columns (
  dataset        VARCHAR(48)  NOT NULL,
  column_name    VARCHAR(64)  CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL,
  column_type    VARCHAR(8)   NOT NULL,
  ordinal        INT          NOT NULL,
  added_by_batch VARCHAR(128) NULL,
  added_at       DATETIME(3)  NOT NULL,
  PRIMARY KEY (dataset, column_name),
  CONSTRAINT fk_dataset_columns_dataset FOREIGN KEY (dataset) REFERENCES datasets (dataset),
  CONSTRAINT ck_dataset_columns_type CHECK (column_type IN ('float32', 'float64'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
