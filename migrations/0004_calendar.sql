-- Trading calendars (qlib calendars/day.txt), one row per (calendar, trading day).
CREATE TABLE IF NOT EXISTS trading_calendar (
  calendar    VARCHAR(48)  NOT NULL,
  trade_date  DATE         NOT NULL,
  batch_id    VARCHAR(128) NOT NULL,
  PRIMARY KEY (calendar, trade_date)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
