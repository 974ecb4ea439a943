-- The account ingest (and the monitor) connect as: MYSQL_URL's user. Run once as the RDS high-privilege
-- account, with {database} and {password} replaced (docs/deploy.md, "RDS"). MySQL 8 and MariaDB syntax.
--   SELECT, INSERT, UPDATE, DELETE  the ledger, registry, alerts, calendar and factor rows; LOAD DATA LOCAL INFILE
--                                   needs only INSERT (no FILE privilege: the file is the client's)
--   CREATE, ALTER                   a new dataset's f_<dataset> and f_<dataset>__history tables, a new factor
--                                   column (adapters/warehouse/factor-tables.ts)
-- Not granted: DROP, INDEX, GRANT OPTION, FILE, PROCESS, SUPER. Migrations (npm run migrate) run as the
-- high-privilege account, not as this one.
CREATE USER IF NOT EXISTS 'qlib_loader'@'%' IDENTIFIED BY '{password}';
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER ON `{database}`.* TO 'qlib_loader'@'%';
