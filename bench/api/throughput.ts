import type OSS from 'ali-oss';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { quoteId } from '../../adapters/warehouse/pool.js';
import { type ColumnSpec, CsvRowWriter } from '../../core/csv/index.js';
import { businessDays, floatColumns, makeBatch } from '../../test/ingest/batch-builder.js';
import { median, mib } from './timing.js';

/** The throughput fixture: 250 days × 300 instruments × 158 float32 factors (75,000 rows), as Alpha158 is. */
export const WIDE = { dataset: 'bench_wide', days: 250, instruments: 300, columns: floatColumns(158, 'A') };

/** Push the fixture through the real path (ali-oss → OSS trigger → ingest) and wait for it to load. */
export async function loadWide(oss: OSS, pool: Pool): Promise<void> {
  const days = businessDays('2023-01-02', WIDE.days);
  const writer = new CsvRowWriter({ kind: 'factors', columns: WIDE.columns });
  writer.header();
  const values = new Float64Array(WIDE.columns.length);
  for (let d = 0; d < WIDE.days; d++) {
    for (let i = 0; i < WIDE.instruments; i++) {
      for (let c = 0; c < values.length; c++)
        values[c] = Math.fround(Math.sin(d * 7 + i * 13 + c) * 10 ** ((c % 7) - 3));
      writer.row(days[d] as string, `SH6${String(i).padStart(5, '0')}`, values);
    }
  }
  const batch = makeBatch({
    dataset: WIDE.dataset,
    columns: WIDE.columns,
    csv: writer.take().toString('latin1'),
    rowCount: WIDE.days * WIDE.instruments,
    dateRange: { start: days[0] as string, end: days.at(-1) as string },
  });
  await oss.put(batch.payloadKey, batch.payload);
  await oss.put(batch.manifestKey, Buffer.from(batch.manifestText));
  for (let waited = 0; waited < 600_000; waited += 200) {
    const [rows] = await pool.query<RowDataPacket[]>('SELECT status FROM batches WHERE batch_id = ?', [
      batch.batchId,
    ]);
    const status = rows[0]?.status;
    if (status === 'loaded') return;
    if (status === 'rejected' || status === 'failed') throw new Error(`the bench fixture was ${status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the bench fixture did not load in 10 minutes');
}

export interface Throughput {
  rows: number;
  ms: number;
  bytes: number;
  pages: number;
  /** JSON only: the client's JSON.parse of the pages (included in ms when parsed). */
  parseMs?: number;
}

/** The baseline: one plain mysql2 prepared SELECT of the same rows, in the same order, into row objects. */
export async function plainSelect(pool: Pool, columns: readonly ColumnSpec[]): Promise<Throughput> {
  const select = ['trade_date', 'instrument', ...columns.map((c) => c.name)].map(quoteId).join(', ');
  const started = performance.now();
  const [rows] = await pool.execute<RowDataPacket[]>(
    `SELECT ${select} FROM ${quoteId(`f_${WIDE.dataset}`)} ORDER BY trade_date, instrument`,
  );
  return { rows: rows.length, ms: performance.now() - started, bytes: 0, pages: 1 };
}

/**
 * The API as a web service reads it: every page over HTTP through the FC trigger, following `next` (the cursor
 * is in X-Next-Cursor). `parse`: JSON pages are also parsed into arrays (the rows in the client's hands, as the
 * baseline's objects are); its time is reported apart as well.
 */
export async function pageThrough(
  base: string,
  token: string,
  format: 'json' | 'csv',
  parse = false,
): Promise<Throughput> {
  let rows = 0;
  let bytes = 0;
  let pages = 0;
  let parseMs = 0;
  let cursor: string | null = null;
  const started = performance.now();
  do {
    const query: string = `format=${format}${cursor === null ? '' : `&cursor=${cursor}`}`;
    const response = await fetch(`${base}/v1/datasets/${WIDE.dataset}/values?${query}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (response.status !== 200)
      throw new Error(`page ${pages + 1}: HTTP ${response.status} ${await response.text()}`);
    const text = await response.text();
    bytes += text.length;
    pages += 1;
    rows += Number(response.headers.get('x-row-count'));
    cursor = response.headers.get('x-next-cursor');
    if (parse) {
      const t = performance.now();
      const body = JSON.parse(text) as { rows: unknown[][] };
      if (body.rows.length !== Number(response.headers.get('x-row-count')))
        throw new Error('row count mismatch');
      parseMs += performance.now() - t;
    }
  } while (cursor !== null);
  return { rows, ms: performance.now() - started, bytes, pages, parseMs };
}

export function describeRuns(label: string, runs: readonly Throughput[]): string {
  const ms = median(runs.map((r) => r.ms));
  const first = runs[0] as Throughput;
  const rate = Math.round((first.rows / ms) * 1000);
  const size = first.bytes > 0 ? `, ${first.pages} pages, ${mib(first.bytes)}` : '';
  return `${label}: ${(ms / 1000).toFixed(2)} s, ${rate} rows/s (median of ${runs.length}; ${first.rows} rows${size})`;
}
