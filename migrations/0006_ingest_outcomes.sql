-- What ingest needs beyond 0002 (docs/ingest.md):
-- * A batch whose manifest cannot be read still gets a ledger row (its id, kind and dataset come from the object
--   key), so the facts only a valid manifest gives become optional.
-- * The outcome a status object is rebuilt from after a crash between the commit and the status write:
--   a one-line summary and the warning codes of a loaded batch.
-- One ALTER TABLE statement: InnoDB applies it whole or not at all, so re-running after a failure is safe
-- (MySQL 8 has no ADD COLUMN IF NOT EXISTS).
ALTER TABLE batches
  MODIFY content_sha256 CHAR(64) NULL,
  MODIFY payload_crc64 VARCHAR(20) NULL,
  MODIFY payload_bytes BIGINT NULL,
  MODIFY date_start DATE NULL,
  MODIFY date_end DATE NULL,
  MODIFY row_count BIGINT NULL,
  ADD COLUMN summary TEXT NULL,
  ADD COLUMN warnings TEXT NULL;
