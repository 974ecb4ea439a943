import { createReadStream } from 'node:fs';
import type { Pool, ResultSetHeader } from 'mysql2/promise';
import { ensureFactorTables } from '../../adapters/warehouse/factor-tables.js';
import { quoteId } from '../../adapters/warehouse/pool.js';
import { factorTableName } from '../../adapters/warehouse/registry.js';
import { type ColumnSpec, CsvRowParser, type ParsedRow } from '../../core/csv/index.js';

export interface Timing {
  ms: number;
  rows: number;
}

/**
 * The yardstick: `LOAD DATA LOCAL INFILE` of the uncompressed canonical CSV straight from disk into a table
 * created by the same DDL as ingest's, in one transaction, with nothing else around it.
 */
export async function rawLoadData(
  pool: Pool,
  dataset: string,
  csv: string,
  columns: ColumnSpec[],
): Promise<Timing> {
  const conn = await pool.getConnection();
  try {
    await ensureFactorTables(conn, dataset, columns);
    const fields = ['trade_date', 'instrument', ...columns.map((c) => c.name)].map(quoteId).join(', ');
    const started = performance.now();
    await conn.query('START TRANSACTION');
    const [result] = await conn.query<ResultSetHeader>({
      sql:
        `LOAD DATA LOCAL INFILE 'raw.csv' INTO TABLE ${quoteId(factorTableName(dataset))} CHARACTER SET utf8mb4 ` +
        `FIELDS TERMINATED BY ',' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' IGNORE 1 LINES (${fields}) SET batch_id = 'raw'`,
      infileStreamFactory: () => createReadStream(csv, { highWaterMark: 64 * 1024 }),
    });
    await conn.query('COMMIT');
    return { ms: performance.now() - started, rows: result.affectedRows };
  } finally {
    conn.release();
  }
}

/** The naive way: one INSERT per row (prepared), in one transaction, for the first `limit` rows. */
export async function rowByRowInsert(
  pool: Pool,
  dataset: string,
  csv: string,
  columns: ColumnSpec[],
  limit: number,
): Promise<Timing> {
  const rows = await firstRows(csv, columns, limit);
  const conn = await pool.getConnection();
  try {
    await ensureFactorTables(conn, dataset, columns);
    const names = ['trade_date', 'instrument', ...columns.map((c) => c.name), 'batch_id'];
    const sql = `INSERT INTO ${quoteId(factorTableName(dataset))} (${names.map(quoteId).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`;
    const started = performance.now();
    await conn.query('START TRANSACTION');
    for (const row of rows)
      await conn.execute(sql, [row.date, row.instrument, ...row.values, 'rows'] as never);
    await conn.query('COMMIT');
    return { ms: performance.now() - started, rows: rows.length };
  } finally {
    conn.release();
  }
}

async function firstRows(csv: string, columns: ColumnSpec[], limit: number): Promise<ParsedRow[]> {
  const rows: ParsedRow[] = [];
  const parser = new CsvRowParser({ layout: { kind: 'factors', columns }, inf: 'reject' });
  parser.onRow = (row) => {
    if (rows.length < limit) rows.push({ ...row, values: [...row.values] });
  };
  for await (const chunk of createReadStream(csv, { highWaterMark: 1 << 20 })) {
    parser.push(chunk as Buffer);
    if (rows.length >= limit) break;
  }
  return rows;
}
