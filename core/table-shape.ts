import type { ColumnSpec } from './csv/index.js';

/**
 * How wide a factor table may grow, so a schema that passes the manifest rules never breaks the table build.
 * Measured on MariaDB 10.11 (InnoDB, 16 KiB pages, ROW_FORMAT=DYNAMIC, innodb_strict_mode=ON) by creating
 * f_<dataset> and f_<dataset>__history exactly as the loader does and inserting one full row into each
 * (64-character instrument, 84-character batch ids, every value non-NULL); docs/ingest.md "Table width":
 * - 975 DOUBLE columns load, 976 fail with ER_TOO_BIG_ROWSIZE (1118, "Row size too large (> 8126)");
 * - 960 DOUBLE + 30 FLOAT and 950 DOUBLE + 50 FLOAT load, one FLOAT more fails: 7800 bytes of values;
 * - 1012 FLOAT columns load, 1013 fail at CREATE TABLE ("Too many columns", InnoDB's 1017 less our 5).
 * InnoDB in MySQL 8 has the same page layout and limits (https://dev.mysql.com/doc/refman/8.0/en/column-count-limit.html).
 */
export const MAX_VALUE_BYTES = 7800;

/** InnoDB's 1017 columns per table, less the history table's own five. */
export const MAX_TABLE_COLUMNS = 1012;

/** Bytes one value takes in an InnoDB row: FLOAT 4, DOUBLE 8. */
export function valueBytes(columns: readonly ColumnSpec[]): number {
  return columns.reduce((sum, c) => sum + (c.type === 'float64' ? 8 : 4), 0);
}

/** Why a table with these value columns cannot be built, or undefined when it can. */
export function tableShapeProblem(columns: readonly ColumnSpec[]): string | undefined {
  const bytes = valueBytes(columns);
  if (columns.length <= MAX_TABLE_COLUMNS && bytes <= MAX_VALUE_BYTES) return undefined;
  return (
    `the table would have ${columns.length} value columns taking ${bytes} bytes per row; ` +
    `InnoDB holds at most ${MAX_TABLE_COLUMNS} columns and ${MAX_VALUE_BYTES} bytes of values ` +
    '(float32 4, float64 8): store fewer or narrower columns, or split the dataset'
  );
}
