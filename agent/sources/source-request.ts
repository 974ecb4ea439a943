import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { isValidDate } from '../../core/csv/index.js';
import { columnKey, isColumnName, isDatasetName, RESERVED_COLUMNS } from '../../core/identifiers.js';
import { UsageError } from '../exit-codes.js';
import { loadCalendarSet } from './calendar-source.js';
import { openCsvExport } from './csv-export.js';
import { openParquetExport } from './parquet-export.js';
import type { InstrumentSelection } from './provider-plan.js';
import type { BatchSource } from './source.js';

export type SourceType = 'qlib' | 'csv' | 'parquet' | 'calendar';

/** What `push` (and `watch`) were asked to read, as the command line says it. */
export interface SourceRequest {
  path: string;
  from?: SourceType;
  dataset: string;
  fields?: string[];
  market?: string;
  instruments?: string[];
  start?: string;
  end?: string;
  sinceLast?: boolean;
  /** With --since-last: send the whole history when nothing of the dataset was pushed before. */
  allowFullHistory?: boolean;
  /** With --market all: also the feature directories instruments/all.txt does not list. */
  includeUnlisted?: boolean;
  float64?: boolean;
  exclude?: string[];
  /** A qlib directory whose calendar is the off-calendar rule's context for an export. */
  calendarDir?: string;
}

/**
 * The command line's own checks, before any config, credentials or network: a bad dataset name or date,
 * options that do not fit the source type, a qlib directory without --fields (UsageError, exit 2).
 * Returns the source type.
 */
export function checkRequest(request: SourceRequest): SourceType {
  const from = request.from ?? detectType(resolve(request.path));
  if (!isDatasetName(request.dataset)) {
    throw new UsageError(
      `--dataset "${request.dataset}" must match ^[a-z][a-z0-9_]{0,47}$ (e.g. alpha158, cn)`,
    );
  }
  checkDates(request);
  if (from === 'csv' || from === 'parquet') checkExportFlags(from, request);
  if (from !== 'qlib') return from;
  if (request.fields === undefined || request.fields.length === 0) {
    throw new UsageError('a qlib directory needs --fields, e.g. --fields open,close,high,low,volume,factor');
  }
  checkFieldNames(request.fields);
  if (request.market !== undefined && request.instruments !== undefined) {
    throw new UsageError('give either --market or --instruments, not both');
  }
  if (request.includeUnlisted && (request.instruments !== undefined || (request.market ?? 'all') !== 'all')) {
    throw new UsageError(
      '--include-unlisted goes with --market all (the default), not with another market or --instruments',
    );
  }
  return from;
}

/** The instruments a qlib request selects (a list sorted, each once: the same list however it was given). */
export function selectionOf(request: SourceRequest): InstrumentSelection {
  return request.instruments !== undefined
    ? { instruments: [...new Set(request.instruments)].sort() }
    : { market: request.market ?? 'all' };
}

/** Open an export file (CSV or Parquet) a request names. */
export function openExport(from: 'csv' | 'parquet', request: SourceRequest): Promise<BatchSource> {
  const options = {
    path: request.path,
    dataset: request.dataset,
    float64: request.float64 ?? false,
    exclude: request.exclude ?? [],
    ...(request.calendarDir === undefined ? {} : { calendar: loadCalendarSet(request.calendarDir) }),
  };
  return from === 'csv' ? openCsvExport(options) : openParquetExport(options);
}

/**
 * --fields are file names (`<field>.day.bin`) and column names: letters, digits and _. qlib's expressions
 * write fields as `$close` (microsoft/qlib docs/component/data.rst, "Feature"), and a user copying one gets a
 * usage error that says to drop the `$` (in a shell, `$close` must be quoted not to expand).
 */
function checkFieldNames(fields: readonly string[]): void {
  const seen = new Set<string>();
  for (const field of fields) {
    if (field.startsWith('$')) {
      const bare = fields.map((f) => f.replace(/^\$+/, '')).join(',');
      throw new UsageError(
        `--fields "${field}" is qlib's expression syntax; give the field names without the $: --fields ${bare}`,
      );
    }
    if (!isColumnName(field)) {
      throw new UsageError(
        `--fields "${field}" cannot be a column name: use letters, digits and _ (not starting with a digit), at most 64, not ${RESERVED_COLUMNS.join('/')}`,
      );
    }
    if (seen.has(columnKey(field))) throw new UsageError(`--fields lists "${field}" twice`);
    seen.add(columnKey(field));
  }
}

function checkDates(request: SourceRequest): void {
  for (const [flag, date] of [
    ['--start', request.start],
    ['--end', request.end],
  ] as const) {
    if (date !== undefined && !isValidDate(date))
      throw new UsageError(`${flag} ${date} is not a date YYYY-MM-DD`);
  }
  if (request.sinceLast && request.start !== undefined)
    throw new UsageError('give either --since-last or --start, not both');
  if (request.allowFullHistory && !request.sinceLast)
    throw new UsageError('--allow-full-history goes with --since-last');
  if (
    !request.sinceLast &&
    request.start !== undefined &&
    request.end !== undefined &&
    request.start > request.end
  )
    throw new UsageError(`--start ${request.start} is after --end ${request.end}`);
}

function checkExportFlags(from: 'csv' | 'parquet', request: SourceRequest): void {
  const flags = {
    fields: '--fields',
    market: '--market',
    instruments: '--instruments',
    start: '--start',
    end: '--end',
    sinceLast: '--since-last',
    includeUnlisted: '--include-unlisted',
  } as const;
  for (const [flag, name] of Object.entries(flags) as [keyof typeof flags, string][]) {
    if (request[flag] !== undefined && request[flag] !== false) {
      throw new UsageError(`${name} applies to qlib directories, not to ${from} exports`);
    }
  }
}

function detectType(path: string): SourceType {
  if (existsSync(path) && statSync(path).isDirectory()) return 'qlib';
  if (/\.csv(\.gz)?$/i.test(path)) return 'csv';
  if (/\.(parquet|pq)$/i.test(path)) return 'parquet';
  if (!existsSync(path)) return 'qlib'; // reported as a missing qlib directory (exit 4)
  throw new UsageError(`cannot tell what ${path} is: use --from qlib|csv|parquet|calendar`);
}

/** The calendar day after a YYYY-MM-DD date. */
export function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}
