-- The read-only account of the HTTP api and of training nodes that query MySQL directly. Run once as the RDS
-- high-privilege account, with {database} and {password} replaced (docs/deploy.md, "RDS").
CREATE USER IF NOT EXISTS 'qlib_reader'@'%' IDENTIFIED BY '{password}';
GRANT SELECT ON `{database}`.* TO 'qlib_reader'@'%';
