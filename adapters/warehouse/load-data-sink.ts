import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import mysql, { type PoolConnection, type ResultSetHeader } from 'mysql2/promise';
import type { ParsedRow, RowValues } from '../../core/csv/index.js';
import { translateMysqlError } from './errors.js';
import { quoteId } from './pool.js';
import type { LoadTarget, RowSink } from './row-sink.js';

/**
 * The server's answers when LOCAL INFILE is off on either side (server local_infile=OFF, or the client did not
 * announce CLIENT_LOCAL_FILES): 1148 ER_NOT_ALLOWED_COMMAND (MySQL 5.7, old MariaDB), 3948
 * ER_CLIENT_LOCAL_FILES_DISABLED (MySQL 8), 4166 ER_LOAD_INFILE_CAPABILITY_DISABLED (MariaDB 10.5+), and the
 * C client's own 2068 CR_LOAD_DATA_LOCAL_INFILE_REJECTED (proxies built on it).
 */
const REFUSED_ERRNOS = new Set([1148, 2068, 3948, 4166]);
const CHUNK_BYTES = 64 * 1024;
/** Bytes we let wait in the socket before pausing the parser: mysql2 writes infile data without backpressure. */
const SOCKET_HIGH_WATER = 4 * 1024 * 1024;

/**
 * The fast path: one `LOAD DATA LOCAL INFILE` statement fed, while the payload streams in, by a Readable of the
 * validated canonical lines (mysql2's per-query `infileStreamFactory`). The file name is only a label: the
 * factory ignores it, and the pool refuses every other file request (pool.ts).
 * LOCAL turns duplicate keys and conversion errors into warnings, so the caller compares `end()` with rowsSent.
 */
export class LoadDataSink implements RowSink {
  rowsSent = 0;
  private readonly feed: Readable;
  private readonly done: Promise<number>;
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  private feedFull = false;
  private started = false;
  private stopped: Error | undefined;
  private stopping: Promise<void> | undefined;
  private failure: unknown;
  private wakers: Array<() => void> = [];
  private failureListeners: Array<(error: unknown) => void> = [];
  /** Settles when the server asked for the file ('streaming') or the statement failed before ('failed'). */
  private readonly opening: Promise<'streaming' | 'failed'>;
  private announce: (outcome: 'streaming' | 'failed') => void = () => {};

  constructor(
    private readonly conn: PoolConnection,
    target: LoadTarget,
    header: string,
  ) {
    this.opening = new Promise((resolve) => {
      this.announce = resolve;
    });
    this.feed = new Readable({ highWaterMark: 1024 * 1024, read: () => this.wake() });
    // abort() destroys the feed with its reason. When the statement has already failed (the connection was
    // killed, a broken pipe), mysql2 no longer listens to the feed, and an 'error' nobody listens to would
    // crash the process before the failure is recorded. The statement's own result carries every failure.
    this.feed.on('error', () => {});
    this.feed.push(Buffer.from(`${header}\n`));
    this.done = this.run(target);
    this.done.catch(() => undefined); // observed through ready()/end()
  }

  add(_row: ParsedRow<RowValues>, line: Buffer): void {
    if (this.stopped !== undefined || this.failure !== undefined) return;
    if (this.used + line.length > this.chunk.length) this.flush();
    if (line.length > this.chunk.length) {
      this.pushToFeed(Buffer.from(line));
    } else {
      this.used += line.copy(this.chunk, this.used);
    }
    this.rowsSent++;
  }

  /**
   * Start the statement and wait for the server's first answer: the sink, or undefined when the server refuses
   * LOCAL INFILE. The refused statement changed nothing and the transaction goes on (the caller takes the INSERT
   * path on the same connection); any other failure is thrown, translated.
   */
  static async open(
    conn: PoolConnection,
    target: LoadTarget,
    header: string,
  ): Promise<LoadDataSink | undefined> {
    const sink = new LoadDataSink(conn, target, header);
    if ((await sink.opening) === 'streaming') return sink;
    if (isLocalInfileRefused(sink.failure)) return undefined;
    throw translateMysqlError(
      sink.failure ?? new Error('LOAD DATA ended without asking for its file'),
      'LOAD DATA',
    );
  }

  onFailure(listener: (error: unknown) => void): void {
    if (this.failure !== undefined) listener(translateMysqlError(this.failure, 'LOAD DATA'));
    else this.failureListeners.push(listener);
  }

  async ready(): Promise<void> {
    for (;;) {
      if (this.stopped !== undefined) return;
      if (this.failure !== undefined) throw translateMysqlError(this.failure, 'LOAD DATA');
      const socket = this.socket();
      if (this.feedFull) await this.sleep();
      else if (this.started && socket !== undefined && socket.writableLength > SOCKET_HIGH_WATER) {
        await this.drained(socket);
      } else return;
    }
  }

  async end(): Promise<number> {
    this.flush();
    this.feed.push(null);
    try {
      return await this.done;
    } catch (error) {
      throw translateMysqlError(error, 'LOAD DATA');
    }
  }

  abort(reason: Error): Promise<void> {
    this.stopping ??= (async () => {
      this.stopped = reason;
      this.wake();
      // mysql2 ends the file on a stream error and fails the statement with it; the caller rolls back.
      if (this.started) this.feed.destroy(reason);
      await this.done.catch(() => undefined);
    })();
    return this.stopping;
  }

  private async run(target: LoadTarget): Promise<number> {
    const fields = target.fields.map(quoteId).join(', ');
    const sets = target.fixed.map((f) => `${quoteId(f.column)} = ?`).join(', ');
    const sql =
      `LOAD DATA LOCAL INFILE ? INTO TABLE ${quoteId(target.table)} CHARACTER SET utf8mb4 ` +
      "FIELDS TERMINATED BY ',' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' IGNORE 1 LINES " +
      `(${fields}) SET ${sets}`;
    const values = ['batch.csv', ...target.fixed.map((f) => f.value)];
    try {
      const [result] = await this.conn.query<ResultSetHeader>({
        sql: mysql.format(sql, values),
        infileStreamFactory: () => this.stream(),
      });
      return result.affectedRows;
    } catch (error) {
      if (this.stopped === undefined) {
        this.failure = error;
        const translated = translateMysqlError(error, 'LOAD DATA');
        for (const listener of this.failureListeners.splice(0)) listener(translated);
      }
      throw error;
    } finally {
      this.announce('failed'); // no-op once the server asked for the file
      this.wake();
    }
  }

  /** The server asked for the file: hand over the feed (or, if stopped before, a stream that fails at once). */
  private stream(): Readable {
    this.started = true;
    this.announce('streaming');
    const stopped = this.stopped;
    if (stopped === undefined) return this.feed;
    return new Readable({
      read() {
        this.destroy(stopped);
      },
    });
  }

  private flush(): void {
    if (this.used === 0) return;
    this.pushToFeed(this.chunk.subarray(0, this.used));
    this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    this.used = 0;
  }

  private pushToFeed(bytes: Buffer): void {
    if (!this.feed.push(bytes)) this.feedFull = true;
  }

  private socket(): Socket | undefined {
    return (this.conn as unknown as { connection?: { stream?: Socket } }).connection?.stream;
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => this.wakers.push(resolve));
  }

  private drained(socket: Socket): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.once('drain', done);
      socket.once('close', done);
      this.wakers.push(done);
    });
  }

  private wake(): void {
    this.feedFull = false;
    for (const wake of this.wakers.splice(0)) wake();
  }
}

/** True when the server (or a client library) refused LOAD DATA LOCAL as such, not the data or the table. */
export function isLocalInfileRefused(error: unknown): boolean {
  const e = error as { errno?: number; cause?: unknown } | undefined;
  if (e?.errno !== undefined && REFUSED_ERRNOS.has(e.errno)) return true;
  return e?.cause !== undefined && e.cause !== error && isLocalInfileRefused(e.cause);
}
