-- The HTTP API (functions/api, docs/api.md): who may read and manage, what a manager changed, markets, and the
-- indexes of the API's ledger queries. Factor tables get their (instrument, trade_date) index from ingest's DDL
-- (adapters/warehouse/factor-tables.ts) and `npm run migrate` for tables that exist already.

-- Bearer tokens. The secret is never stored: only its SHA-256 (a 256-bit random secret needs no salt or slow hash,
-- nothing can be guessed from its digest). token_id is the public part of the token and the lookup key.
CREATE TABLE IF NOT EXISTS api_tokens (
  token_id       CHAR(12)     NOT NULL,
  name           VARCHAR(64)  NOT NULL,
  secret_sha256  CHAR(64)     NOT NULL,
  scopes         VARCHAR(255) NOT NULL,
  created_at     DATETIME(3)  NOT NULL,
  expires_at     DATETIME(3)  NULL,
  revoked_at     DATETIME(3)  NULL,
  last_used_at   DATETIME(3)  NULL,
  PRIMARY KEY (token_id),
  KEY ix_api_tokens_name (name)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Every management change, forever: what it was about (a dataset, a market), who (the token's name), when, which
-- setting, the value before and after (JSON).
CREATE TABLE IF NOT EXISTS admin_changes (
  id           BIGINT       NOT NULL AUTO_INCREMENT,
  subject_kind VARCHAR(16)  NOT NULL,
  subject      VARCHAR(48)  NOT NULL,
  at           DATETIME(3)  NOT NULL,
  actor        VARCHAR(64)  NOT NULL,
  setting      VARCHAR(32)  NOT NULL,
  before_json  MEDIUMTEXT   NULL,
  after_json   MEDIUMTEXT   NULL,
  note         VARCHAR(255) NULL,
  request_id   VARCHAR(64)  NULL,
  PRIMARY KEY (id),
  KEY ix_admin_changes_subject (subject_kind, subject, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- A retired dataset keeps its rows (readable) and takes no new batches (ingest: DATASET_RETIRED).
ALTER TABLE datasets ADD COLUMN retired_at DATETIME(3) NULL;

-- Markets as qlib's instruments/<market>.txt has them: an instrument is a member over [start_date, end_date].
CREATE TABLE IF NOT EXISTS market_members (
  market      VARCHAR(48)  NOT NULL,
  instrument  VARCHAR(64)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  start_date  DATE         NOT NULL,
  end_date    DATE         NOT NULL,
  PRIMARY KEY (market, instrument, start_date)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The API's ledger shapes: a dataset's loaded batches by load time (snapshots, as_of, coverage), the load
-- history newest first (all of it or one dataset's), and which batch restated a batch.
ALTER TABLE batches
  ADD KEY ix_batches_dataset_loaded (dataset, status, finished_at),
  ADD KEY ix_batches_seen (first_seen_at, batch_id),
  ADD KEY ix_batches_dataset_seen (dataset, first_seen_at, batch_id),
  ADD KEY ix_batches_restates (restates_batch_id);
