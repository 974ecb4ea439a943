import { type ColumnSpec, isValidDate } from '../../core/csv/index.js';
import { TerminalError } from '../../core/errors.js';
import { columnKey, isColumnName } from '../../core/identifiers.js';
import type { ExportColumn } from './export-header.js';

/** What to take from an export file. */
export interface ExportOptions {
  path: string;
  dataset: string;
  /** Keep values as float64 (DOUBLE columns); default float32, qlib's own precision. */
  float64?: boolean;
  /** Column names or column groups to leave out; `label` also matches label/LABEL0/LABEL1… */
  exclude?: string[];
  /** The trading calendar, for the off-calendar rule (e.g. from a qlib directory). */
  calendar?: ReadonlySet<string>;
}

/** The value columns kept after `exclude`, checked as column names (letters, digits, _; unique). */
export function selectColumns(path: string, all: ExportColumn[], exclude: string[] = []): ExportColumn[] {
  const drop = exclude.map((e) => e.toLowerCase());
  const kept = all.filter((c) => !drop.some((e) => excludes(e, c)));
  if (kept.length === 0) throw new TerminalError('EXPORT_NO_COLUMNS', `${path} has no value columns to push`);
  const seen = new Map<string, string>();
  for (const column of kept) {
    if (!isColumnName(column.name)) {
      throw new TerminalError(
        'COLUMN_NAME_INVALID',
        `${path}: column "${column.name}" cannot be a column name (letters, digits and _, not starting with a digit, at most 64; not datetime/instrument)`,
      );
    }
    const other = seen.get(columnKey(column.name));
    if (other !== undefined) {
      throw new TerminalError(
        'COLUMN_DUPLICATE',
        `${path}: columns "${other}" and "${column.name}" are the same column (names are case-insensitive); --exclude one of them`,
      );
    }
    seen.set(columnKey(column.name), column.name);
  }
  return kept;
}

/** Column specs in file order. */
export function columnSpecs(columns: ExportColumn[], float64: boolean): ColumnSpec[] {
  return columns.map((c) => ({ name: c.name, type: float64 ? 'float64' : 'float32' }));
}

function excludes(token: string, column: ExportColumn): boolean {
  const name = column.name.toLowerCase();
  if (name === token || column.group.toLowerCase() === token) return true;
  return token === 'label' && /^label\d*$/.test(name);
}

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:[ T]00:00:00(?:\.0+)?)?$/;

/** `2024-01-02` or `2024-01-02 00:00:00` → `2024-01-02`; anything else (a time of day) → undefined. */
export function exportDate(text: string): string | undefined {
  const date = DATE_TIME.exec(text)?.[1];
  return date !== undefined && isValidDate(date) ? date : undefined;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const INFINITY = /^[+-]?(inf|infinity)$/i;

/** A pandas value: '' and nan are NaN (NULL), inf spellings ±Infinity, numbers; undefined when not a number. */
export function exportNumber(text: string): number | undefined {
  if (text === '' || /^nan$/i.test(text)) return Number.NaN;
  if (NUMBER.test(text)) return Number(text);
  if (INFINITY.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  return undefined;
}
