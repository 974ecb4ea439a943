-- The account of the HTTP api (API_MYSQL_URL's user; its password in KMS as API_MYSQL_PASSWORD_SECRET). Run once
-- as the RDS high-privilege account, with {database} and {password} replaced (docs/deploy.md, "RDS"). It reads
-- everything and writes only what the API's own routes write:
--   UPDATE (last_used_at) ON api_tokens   a token's last use, on every authenticated request (functions/api/auth.ts)
--   INSERT ON admin_changes               the record of every admin change (adapters/warehouse/admin-changes.ts)
--   UPDATE (…) ON datasets                PATCH /v1/datasets/{dataset}: contract, rules, calendar, retired
--   INSERT, DELETE ON market_members      PUT /v1/markets/{market} replaces a market's members
--   INSERT, UPDATE ON dataset_slas        PUT /v1/datasets/{dataset}/sla (adapters/warehouse/sla-store.ts)
--   INSERT, UPDATE ON redrives            POST /v1/batches/{id}/redrive claims and settles the re-drive as the monitor does
--   INSERT ON batch_events                 … and records it in the batch's history (functions/monitor/redrive.ts)
-- Not granted: any other write to the ledger, the factor tables or the monitor's tables; creating or revoking tokens
-- (npm run token runs as the admin account); DDL. MySQL 8 and MariaDB syntax.
CREATE USER IF NOT EXISTS 'qlib_api'@'%' IDENTIFIED BY '{password}';
GRANT SELECT ON `{database}`.* TO 'qlib_api'@'%';
GRANT UPDATE (last_used_at) ON `{database}`.`api_tokens` TO 'qlib_api'@'%';
GRANT INSERT ON `{database}`.`admin_changes` TO 'qlib_api'@'%';
GRANT UPDATE (contract, rules, calendar, retired_at, updated_at) ON `{database}`.`datasets` TO 'qlib_api'@'%';
GRANT INSERT, DELETE ON `{database}`.`market_members` TO 'qlib_api'@'%';
GRANT INSERT, UPDATE ON `{database}`.`dataset_slas` TO 'qlib_api'@'%';
GRANT INSERT, UPDATE ON `{database}`.`redrives` TO 'qlib_api'@'%';
GRANT INSERT ON `{database}`.`batch_events` TO 'qlib_api'@'%';
