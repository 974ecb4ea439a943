/**
 * Names that become SQL identifiers (dataset → table, factor → column). They are validated here and
 * always quoted by the warehouse as well: two fences, never string interpolation of raw input.
 */

/** Dataset names: lower-case so that table names mean the same on every MySQL lower_case_table_names setting. */
export const DATASET_PATTERN = /^[a-z][a-z0-9_]{0,47}$/;

/**
 * What joins a factor table to its history table (`f_<dataset>__history`). A dataset name may not contain it,
 * so no dataset's table can be another's history table (`base__history` would write into `base`'s history).
 */
export const HISTORY_SEPARATOR = '__';

/** Factor column names as qlib writes them (KMID, ROC5, CLOSE59, LABEL0, my_factor_1). */
export const COLUMN_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Columns our tables have (the factor table, its history table) and the payload's index columns; a factor may
 * not take these names (compared case-insensitively, like MySQL).
 */
export const RESERVED_COLUMNS: readonly string[] = [
  'trade_date',
  'instrument',
  'batch_id',
  'datetime',
  'superseded_by',
  'superseded_at',
];

/** True when `name` can be a dataset name: the pattern, and no history separator. */
export function isDatasetName(name: string): boolean {
  return DATASET_PATTERN.test(name) && !name.includes(HISTORY_SEPARATOR);
}

/** True when `name` can be a factor column name (pattern and not reserved). */
export function isColumnName(name: string): boolean {
  return COLUMN_PATTERN.test(name) && !RESERVED_COLUMNS.includes(name.toLowerCase());
}

/** MySQL compares column names case-insensitively: `KMID` and `kmid` are the same column. */
export function columnKey(name: string): string {
  return name.toLowerCase();
}
