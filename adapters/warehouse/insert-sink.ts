import type { PoolConnection, ResultSetHeader } from 'mysql2/promise';
import type { ParsedRow, RowValues } from '../../core/csv/index.js';
import { TransientError } from '../../core/errors.js';
import { translateMysqlError } from './errors.js';
import { quoteId } from './pool.js';
import type { LoadTarget, RowSink } from './row-sink.js';

/** A prepared statement takes at most 65535 placeholders (MySQL's protocol limit). */
const MAX_PLACEHOLDERS = 65_535;
const MAX_ROWS = 1000;
const MAX_BYTES = 1024 * 1024;

/**
 * The fallback when the server refuses LOCAL INFILE: multi-row INSERTs with placeholders, up to 1000 rows,
 * about 1 MiB of payload, and 65535 placeholders per statement. Server-side prepared statements (the binary
 * protocol) send each value as an 8-byte double: no decimal text to format or parse, and a float32 value
 * reaches the FLOAT column bit-exact. IGNORE makes duplicate keys warnings, as LOAD DATA LOCAL does, so both
 * paths end the same way: the caller compares the rows taken with rowsSent.
 */
export class InsertSink implements RowSink {
  rowsSent = 0;
  private taken = 0;
  private rows: unknown[][] = [];
  private bytes = 0;
  private stopped = false;
  /** Stops watching the connection (the socket outlives the sink in the pool). */
  private unwatch = () => {};
  private readonly prefix: string;
  private readonly fixed: unknown[];
  private readonly rowValues: LoadTarget['rowValues'];
  private readonly perStatement: number;

  constructor(
    private readonly conn: PoolConnection,
    target: LoadTarget,
  ) {
    const columns = [...target.fields, ...target.fixed.map((f) => f.column)];
    this.prefix = `INSERT IGNORE INTO ${quoteId(target.table)} (${columns.map(quoteId).join(', ')}) VALUES `;
    this.fixed = target.fixed.map((f) => f.value);
    this.rowValues = target.rowValues;
    this.perStatement = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PLACEHOLDERS / columns.length)));
  }

  /** Between statements nothing is in flight: a closed connection is noticed by its socket. */
  onFailure(listener: (error: unknown) => void): void {
    const socket = (this.conn as unknown as { connection?: { stream?: NodeJS.EventEmitter } }).connection
      ?.stream;
    if (socket === undefined) return;
    const closed = () => {
      if (!this.stopped) {
        listener(
          new TransientError('MYSQL_UNAVAILABLE', 'the MySQL connection closed while rows were loading'),
        );
      }
    };
    socket.once('close', closed);
    this.unwatch = () => socket.off('close', closed);
  }

  add(row: ParsedRow<RowValues>, line: Buffer): void {
    if (this.stopped) return;
    this.rows.push(this.rowValues(row));
    this.bytes += line.length;
    this.rowsSent++;
  }

  async ready(): Promise<void> {
    if (this.rows.length >= this.perStatement || this.bytes >= MAX_BYTES) await this.flush();
  }

  async end(): Promise<number> {
    try {
      await this.flush();
      return this.taken;
    } finally {
      this.unwatch();
    }
  }

  async abort(): Promise<void> {
    this.stopped = true;
    this.rows = [];
    this.unwatch();
  }

  private async flush(): Promise<void> {
    while (!this.stopped && this.rows.length > 0) {
      const rows = this.rows.splice(0, this.perStatement);
      this.bytes = this.rows.length === 0 ? 0 : this.bytes;
      await this.insert(rows);
    }
  }

  private async insert(rows: unknown[][]): Promise<void> {
    const tuple = `(${new Array((rows[0] as unknown[]).length + this.fixed.length).fill('?').join(', ')})`;
    const sql = this.prefix + new Array(rows.length).fill(tuple).join(', ');
    const values: unknown[] = [];
    for (const row of rows) {
      for (const v of row) values.push(v);
      for (const v of this.fixed) values.push(v);
    }
    try {
      const [result] = await this.conn.execute<ResultSetHeader>(sql, values as never);
      this.taken += result.affectedRows;
    } catch (error) {
      throw translateMysqlError(error, 'INSERT rows');
    } finally {
      // Each distinct row count is its own prepared statement; keep only the full-size one cached.
      if (rows.length !== this.perStatement) this.conn.unprepare(sql);
    }
  }
}
