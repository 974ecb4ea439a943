-- The read-only account of training nodes (and any tool) that query MySQL directly. Run once as the RDS
-- high-privilege account, with {database} and {password} replaced (docs/deploy.md, "RDS"). SELECT only: the HTTP
-- api, which also records token use and admin changes, has its own account (api-account.sql).
CREATE USER IF NOT EXISTS 'qlib_reader'@'%' IDENTIFIED BY '{password}';
GRANT SELECT ON `{database}`.* TO 'qlib_reader'@'%';
