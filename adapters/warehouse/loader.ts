import type { Pool, PoolConnection } from 'mysql2/promise';
import type { AlertRecord, AlertStore } from './alert-store.js';
import { InsertSink } from './insert-sink.js';
import type { Ledger } from './ledger.js';
import { LoadDataSink } from './load-data-sink.js';
import { type Predecessor, type ReplaceScope, replaceScope } from './restatement.js';
import type { LoadTarget, RowSink } from './row-sink.js';
import { connect, execute, isDuplicateKey, rollback, selectRows } from './sql.js';

export type LoadMode = 'load-data' | 'insert';

/** Everything the load transaction needs to know up front. */
export interface LoadPlan {
  batchId: string;
  /** The lease owner: the ledger turns `loaded` only WHERE lease_owner = this. */
  owner: string;
  /** Namespace of content identity (loaded_contents PK is dataset + SHA-256). */
  dataset: string;
  contentSha256: string;
  target: LoadTarget;
  /** The payload header line: LOAD DATA skips it (IGNORE 1 LINES). */
  header: string;
  mode: LoadMode;
  scope: ReplaceScope;
}

/** What the commit records beside the data, in the same transaction. */
export interface LoadOutcome {
  summary: string;
  warnings: string[];
  alerts: AlertRecord[];
  /** More writes that belong to the batch, in the same transaction (the per-day profiles for drift). */
  alongside?: (conn: PoolConnection) => Promise<void>;
}

export type LoadStart = { kind: 'open'; load: BatchLoad } | { kind: 'duplicate'; duplicateOf: string };

export type LoadCommit = { kind: 'committed'; rowsLoaded: number } | { kind: 'lease_lost' };

/** The database took fewer (or more) rows than were sent, and no quality rule explains it: a bug. */
export class LoadCountMismatchError extends Error {
  override readonly name = 'LoadCountMismatchError';
}

/**
 * One batch, all or nothing: a single transaction claims the content (loaded_contents), replaces the batch's
 * dates (history + delete), takes the rows straight into the target table, and marks the ledger `loaded`.
 * No staging table: InnoDB MVCC already hides uncommitted rows from readers (docs/ingest.md).
 */
export class BatchLoad {
  private closed = false;

  private constructor(
    private readonly conn: PoolConnection,
    private readonly plan: LoadPlan,
    readonly sink: RowSink,
    readonly predecessors: Predecessor[],
    /** The path the rows take: the plan's, or `insert` when the server refused LOAD DATA LOCAL. */
    readonly mode: LoadMode,
  ) {}

  /** Start the transaction; a concurrent or earlier twin with the same content makes it a duplicate. */
  static async open(pool: Pool, plan: LoadPlan): Promise<LoadStart> {
    const conn = await connect(pool);
    try {
      await execute(conn, 'START TRANSACTION');
      const twin = await claimContent(conn, plan);
      if (twin !== undefined) {
        await execute(conn, 'ROLLBACK');
        conn.release();
        return { kind: 'duplicate', duplicateOf: twin };
      }
      const predecessors = await replaceScope(conn, plan.scope, plan.batchId);
      const fast =
        plan.mode === 'load-data' ? await LoadDataSink.open(conn, plan.target, plan.header) : undefined;
      const sink = fast ?? new InsertSink(conn, plan.target);
      const mode = fast === undefined ? 'insert' : 'load-data';
      return { kind: 'open', load: new BatchLoad(conn, plan, sink, predecessors, mode) };
    } catch (error) {
      await rollback(conn);
      conn.destroy();
      throw error;
    }
  }

  /** Finish the rows, mark the ledger `loaded` (if the lease is still ours), record events and alerts, commit. */
  async commit(ledger: Ledger, alerts: AlertStore, outcome: LoadOutcome): Promise<LoadCommit> {
    try {
      const taken = await this.sink.end();
      if (taken !== this.sink.rowsSent) {
        throw new LoadCountMismatchError(`the database took ${taken} of ${this.sink.rowsSent} rows sent`);
      }
      const { batchId, owner } = this.plan;
      if (this.predecessors.length > 0) {
        const detail = { predecessors: this.predecessors, rowsReplaced: sumRows(this.predecessors) };
        await ledger.record(this.conn, batchId, { event: 'restated', detail });
      }
      const settled = await ledger.settle(this.conn, batchId, owner, {
        status: 'loaded',
        summary: outcome.summary,
        rowsLoaded: taken,
        restatesBatchId: this.predecessors[0]?.batchId,
        warnings: outcome.warnings,
        eventDetail: { rows: taken, mode: this.mode, warnings: outcome.warnings },
      });
      if (!settled) {
        await this.rollback();
        return { kind: 'lease_lost' };
      }
      for (const alert of outcome.alerts) await alerts.record(this.conn, alert);
      await outcome.alongside?.(this.conn);
      await execute(this.conn, 'COMMIT');
      this.close(true);
      return { kind: 'committed', rowsLoaded: taken };
    } catch (error) {
      await this.rollback();
      throw error;
    }
  }

  /** Stop feeding the database and roll back everything this batch did. Safe to call twice. */
  async rollback(): Promise<void> {
    if (this.closed) return;
    await this.sink.abort(new Error('load rolled back'));
    this.close(await rollback(this.conn));
  }

  private close(healthy: boolean): void {
    if (this.closed) return;
    this.closed = true;
    if (healthy) this.conn.release();
    else this.conn.destroy();
  }
}

/** Insert the content's loaded_contents row first: a twin holding it makes us wait, then collide. */
async function claimContent(conn: PoolConnection, plan: LoadPlan): Promise<string | undefined> {
  try {
    await execute(
      conn,
      `INSERT INTO loaded_contents (dataset, content_sha256, batch_id, loaded_at)
       VALUES (?, ?, ?, UTC_TIMESTAMP(3))`,
      [plan.dataset, plan.contentSha256, plan.batchId],
    );
    return undefined;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    const [row] = await selectRows(
      conn,
      'SELECT batch_id FROM loaded_contents WHERE dataset = ? AND content_sha256 = ?',
      [plan.dataset, plan.contentSha256],
    );
    return String(row?.batch_id);
  }
}

function sumRows(list: readonly Predecessor[]): number {
  return list.reduce((n, p) => n + p.rows, 0);
}
