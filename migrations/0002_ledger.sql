-- The batches ledger: every batch ever seen, forever, and its event history.
-- status: loading (claimed, lease held) | loaded | rejected (terminal: bad input) | failed (gave up on a
-- transient fault; a later delivery may retry) | duplicate (same content as a loaded batch).
CREATE TABLE IF NOT EXISTS batches (
  batch_id          VARCHAR(128) NOT NULL,
  kind              VARCHAR(16)  NOT NULL,
  dataset           VARCHAR(48)  NOT NULL,
  content_sha256    CHAR(64)     NOT NULL,
  payload_crc64     VARCHAR(20)  NOT NULL,
  payload_bytes     BIGINT       NOT NULL,
  manifest_key      VARCHAR(1024) NOT NULL,
  date_start        DATE         NOT NULL,
  date_end          DATE         NOT NULL,
  row_count         BIGINT       NOT NULL,
  rows_loaded       BIGINT       NULL,
  status            VARCHAR(16)  NOT NULL,
  lease_owner       VARCHAR(64)  NULL,
  lease_expires_at  DATETIME(3)  NULL,
  attempts          INT          NOT NULL DEFAULT 0,
  duplicate_of      VARCHAR(128) NULL,
  restates_batch_id VARCHAR(128) NULL,
  error_code        VARCHAR(64)  NULL,
  error_detail      TEXT         NULL,
  first_seen_at     DATETIME(3)  NOT NULL,
  started_at        DATETIME(3)  NULL,
  finished_at       DATETIME(3)  NULL,
  updated_at        DATETIME(3)  NOT NULL,
  PRIMARY KEY (batch_id),
  KEY ix_batches_content (dataset, content_sha256),
  KEY ix_batches_status (status, lease_expires_at),
  KEY ix_batches_dataset_dates (dataset, date_start, date_end),
  CONSTRAINT ck_batches_status CHECK (status IN ('loading', 'loaded', 'rejected', 'failed', 'duplicate'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS batch_events (
  id           BIGINT       NOT NULL AUTO_INCREMENT,
  batch_id     VARCHAR(128) NOT NULL,
  at           DATETIME(3)  NOT NULL,
  event        VARCHAR(32)  NOT NULL,
  from_status  VARCHAR(16)  NULL,
  to_status    VARCHAR(16)  NULL,
  attempt      INT          NULL,
  detail       TEXT         NULL,
  PRIMARY KEY (id),
  KEY ix_batch_events_batch (batch_id, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Exactly once by content: one row per (dataset, payload SHA-256) ever loaded, written in the same
-- transaction as the data. A second batch with identical content collides here and is a duplicate.
CREATE TABLE IF NOT EXISTS loaded_contents (
  dataset         VARCHAR(48)  NOT NULL,
  content_sha256  CHAR(64)     NOT NULL,
  batch_id        VARCHAR(128) NOT NULL,
  loaded_at       DATETIME(3)  NOT NULL,
  PRIMARY KEY (dataset, content_sha256)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
