import type { ColumnSpec, ParsedRow, RowValues } from '../../core/csv/index.js';
import { factorTableName } from './registry.js';

/**
 * Where validated rows go inside the load transaction. The parser calls `add` synchronously for every row of a
 * chunk, then waits on `ready()` before feeding the next chunk: that is the backpressure from MySQL back to OSS.
 */
export interface RowSink {
  /**
   * Queue one validated row: its canonical line (LOAD DATA) and its parsed values (INSERT). Both may be views
   * the caller reuses once add() returns: a sink copies what it keeps.
   */
  add(row: ParsedRow<RowValues>, line: Buffer): void;
  /** Resolves when the sink takes more rows; rejects (translated) when the database failed. */
  ready(): Promise<void>;
  /** No more rows: finish the statement(s); resolves with the rows the database took. */
  end(): Promise<number>;
  /** Stop feeding the database; whatever reached it is rolled back by the caller. Never throws. */
  abort(reason: Error): Promise<void>;
  /** Rows handed to the database so far. */
  readonly rowsSent: number;
  /**
   * Be told at once when the sink fails on its own (its statement failed, its connection closed) while nobody
   * is waiting on it: the caller stops reading the payload instead of waiting for the next chunk.
   */
  onFailure(listener: (error: unknown) => void): void;
}

/** Where one batch's rows land: the table, the payload fields' columns, and the columns every row shares. */
export interface LoadTarget {
  /** A validated identifier (quoted with quoteId when used). */
  table: string;
  /** Column of each payload field, in line order. */
  fields: readonly string[];
  /** Columns set to one value for every row (LOAD DATA … SET col = ?). */
  fixed: readonly { column: string; value: string }[];
  /** The values of one row in `fields` order (the INSERT path): a fresh array, NULL (null or NaN) as null. */
  rowValues(row: ParsedRow<RowValues>): unknown[];
}

/** Rows of a factor batch go to f_<dataset>: trade_date, instrument, the batch's columns, and its batch_id. */
export function factorTarget(dataset: string, batchId: string, columns: readonly ColumnSpec[]): LoadTarget {
  return {
    table: factorTableName(dataset),
    fields: ['trade_date', 'instrument', ...columns.map((c) => c.name)],
    fixed: [{ column: 'batch_id', value: batchId }],
    rowValues: (row) => {
      const out: unknown[] = [row.date, row.instrument];
      for (let i = 0; i < row.values.length; i++) {
        const v = row.values[i] as number | null;
        out.push(v === null || Number.isNaN(v) ? null : v);
      }
      return out;
    },
  };
}

/** Rows of a calendar batch go to trading_calendar under the calendar's name. */
export function calendarTarget(calendar: string, batchId: string): LoadTarget {
  return {
    table: 'trading_calendar',
    fields: ['trade_date'],
    fixed: [
      { column: 'calendar', value: calendar },
      { column: 'batch_id', value: batchId },
    ],
    rowValues: (row) => [row.date],
  };
}
