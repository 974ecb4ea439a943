import type { InstrumentRows } from './values-fetch.js';

/** A span of calendar indices, both ends included. */
export interface Span {
  start: number;
  end: number;
}

/** One NaN-filled float32 column per field over `days` calendar days, with the rows' values set. */
export function columnsOf(rows: InstrumentRows | undefined, fields: number, days: number): Float32Array[] {
  const columns = Array.from({ length: fields }, () => new Float32Array(days).fill(Number.NaN));
  for (const [day, values] of rows ?? []) {
    for (let f = 0; f < fields; f++) (columns[f] as Float32Array)[day] = values[f] as number;
  }
  return columns;
}

/**
 * The span an instrument's files cover: its first to last day with a value in any pulled field (qlib's
 * dump_bin spans the rows; a row of NULLs only at an edge is not written), or null when it has none.
 */
export function valueSpan(columns: Float32Array[]): Span | null {
  let start = -1;
  let end = -1;
  const days = columns[0]?.length ?? 0;
  for (let d = 0; d < days; d++) {
    if (!columns.some((c) => !Number.isNaN(c[d] as number))) continue;
    if (start < 0) start = d;
    end = d;
  }
  return start < 0 ? null : { start, end };
}
