import type { ColumnSpec } from '../../core/csv/index.js';
import type { Problem } from '../../core/errors.js';
import type { BatchKind } from '../../core/keys.js';

/**
 * One instrument's rows, ordered by date: `values` is row-major, `dates.length × width`, NaN for NULL.
 * Sources hand the builder blocks ordered by instrument, so the payload is ordered by instrument then date
 * whatever the input's order was (the same data gives the same bytes, hence the same SHA-256).
 */
export interface RowBlock {
  instrument: string;
  dates: readonly string[];
  values: Float32Array | Float64Array;
}

/** A row-level problem in the input (a bad number, date or instrument): blocks the batch, counted. */
export type SourceProblem = Problem & { field?: string; date?: string; instrument?: string };

interface SourceBase {
  dataset: string;
  /** What the manifest names as producer.sourcePath. */
  sourcePath: string;
  /** The range the rows must fall in (the inspector's claim); absent: any date. */
  dateRange?: { start: string; end: string };
  /** The local trading calendar, given to the quality rules as context (off-calendar dates). */
  calendar?: ReadonlySet<string>;
}

export interface FactorSource extends SourceBase {
  kind: 'factors';
  columns: ColumnSpec[];
  /** Total instruments, when known up front (progress). */
  instrumentCount?: number;
  blocks(report: (problem: SourceProblem) => void): AsyncIterable<RowBlock>;
  /** What the source noticed while its blocks were read. */
  notices?: () => SourceNotice[];
}

export interface CalendarSource extends SourceBase {
  kind: 'calendar';
  dates: readonly string[];
}

export type BatchSource = FactorSource | CalendarSource;

export type SourceKind = Extract<BatchKind, 'factors' | 'calendar'>;

/**
 * Something about the source a person should know that is not a quality finding: the batch goes up, and the
 * push says it (a log line on stderr — a warning even when quiet, a hint on a terminal or with --verbose —
 * and in --json's `notices`).
 */
export interface SourceNotice {
  code: string;
  /** warn: something went up a person must look at (printed even when quiet); info: a hint. */
  severity: 'warn' | 'info';
  message: string;
  count: number;
  examples: string[];
}
