-- Alerts, deduplicated: one row per dedupe key (code, dataset, trading day); repeats bump the count.
-- published_at stays NULL until MNS accepted the message, so a failed publish is retried later.
CREATE TABLE IF NOT EXISTS alerts (
  id                 BIGINT       NOT NULL AUTO_INCREMENT,
  dedupe_key         VARCHAR(255) NOT NULL,
  code               VARCHAR(64)  NOT NULL,
  severity           VARCHAR(8)   NOT NULL,
  dataset            VARCHAR(48)  NULL,
  trading_day        DATE         NULL,
  batch_id           VARCHAR(128) NULL,
  summary            TEXT         NOT NULL,
  detail             TEXT         NULL,
  occurrences        INT          NOT NULL DEFAULT 1,
  first_at           DATETIME(3)  NOT NULL,
  last_at            DATETIME(3)  NOT NULL,
  published_at       DATETIME(3)  NULL,
  publish_attempts   INT          NOT NULL DEFAULT 0,
  last_publish_error TEXT         NULL,
  message_id         VARCHAR(64)  NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_alerts_dedupe (dedupe_key),
  KEY ix_alerts_unpublished (published_at, last_at),
  CONSTRAINT ck_alerts_severity CHECK (severity IN ('info', 'warn', 'error'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
