import type { PoolConnection } from 'mysql2/promise';
import { execute } from '../sql.js';

/** About 1 MiB of values per statement stays far below max_allowed_packet (16 MiB on RDS by default). */
const STATEMENT_BYTES = 1024 * 1024;
const STATEMENT_ROWS = 1000;

/**
 * Buffered multi-row INSERTs into one table inside the caller's transaction: rows are sent when a statement
 * would pass ~1 MiB or 1000 rows, and on flush(). Column names are constants of the code, never input.
 */
export class RowWriter {
  private rows: unknown[][] = [];
  private bytes = 0;
  written = 0;

  constructor(
    private readonly conn: PoolConnection,
    private readonly table: string,
    private readonly columns: readonly string[],
  ) {}

  async add(row: unknown[]): Promise<void> {
    this.rows.push(row);
    this.bytes += row.reduce<number>((n, v) => n + (typeof v === 'string' ? v.length * 3 : 8), 0);
    if (this.rows.length >= STATEMENT_ROWS || this.bytes >= STATEMENT_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.rows.length === 0) return;
    const rows = this.rows;
    this.rows = [];
    this.bytes = 0;
    const one = `(${this.columns.map(() => '?').join(', ')})`;
    await execute(
      this.conn,
      `INSERT INTO ${this.table} (${this.columns.join(', ')}) VALUES ${rows.map(() => one).join(', ')}`,
      rows.flat(),
    );
    this.written += rows.length;
  }
}

/** Epoch milliseconds as a DATETIME(3) literal in UTC ('2024-01-02 03:04:05.678'); null stays null. */
export function datetimeOf(ms: number | null): string | null {
  if (ms === null) return null;
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}
