import { setTimeout as sleep } from 'node:timers/promises';
import type { PoolConnection } from 'mysql2/promise';
import type { ColumnSpec } from '../../core/csv/index.js';
import type { AlertRecord, AlertStore } from './alert-store.js';
import { isLockConflict } from './errors.js';
import { InsertSink } from './insert-sink.js';
import type { Ledger } from './ledger.js';
import { LoadDataSink } from './load-data-sink.js';
import { recordColumns, registerDataset } from './registry.js';
import { type Predecessor, type ReplaceScope, replaceScope } from './restatement.js';
import type { LoadTarget, RowSink } from './row-sink.js';
import { execute, isDuplicateKey, rollback, selectRows } from './sql.js';

export type LoadMode = 'load-data' | 'insert';

/** What the registry learns when the batch commits: a new dataset and/or the columns this batch added. */
export interface Registration {
  dataset: string;
  register: boolean;
  contract: 'evolve' | 'freeze';
  columns: readonly ColumnSpec[];
  /** The ordinal of the first added column (after the registered ones). */
  firstOrdinal: number;
}

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
  /** Registry rows written in the commit, so a rejected batch leaves no schema behind (docs/ingest.md). */
  registration?: Registration;
}

/** What the commit records beside the data, in the same transaction. */
export interface LoadOutcome {
  summary: string;
  warnings: string[];
  alerts: AlertRecord[];
}

export type LoadStart = { kind: 'open'; load: BatchLoad } | { kind: 'duplicate'; duplicateOf: string };

export type LoadCommit = { kind: 'committed'; rowsLoaded: number } | { kind: 'lease_lost' };

/** The database took fewer (or more) rows than were sent, and no quality rule explains it: a bug. */
export class LoadCountMismatchError extends Error {
  override readonly name = 'LoadCountMismatchError';
}

/** Deadlocks and lock wait timeouts before any row is sent are retried here, this many times in all. */
const OPEN_ATTEMPTS = 5;

/**
 * One batch, all or nothing: a single transaction claims the content (loaded_contents), replaces the batch's
 * dates (history + delete), takes the rows straight into the target table, registers what the batch added to
 * the schema, and marks the ledger `loaded`. No staging table: InnoDB MVCC already hides uncommitted rows from
 * readers (docs/ingest.md). The connection is the caller's: it stays open (and usable when `healthy`).
 */
export class BatchLoad {
  private closed = false;
  private sound = true;

  private constructor(
    private readonly conn: PoolConnection,
    private readonly plan: LoadPlan,
    readonly sink: RowSink,
    readonly predecessors: Predecessor[],
    /** The days the table held in the batch's range, now replaced: each needs rows (DATE_MISSING). */
    readonly replacedDays: string[],
    /** The path the rows take: the plan's, or `insert` when the server refused LOAD DATA LOCAL. */
    readonly mode: LoadMode,
  ) {}

  /**
   * Start the transaction; a concurrent or earlier twin with the same content makes it a duplicate. A deadlock
   * or lock wait timeout here (concurrent deliveries of one batch, restatements of the same dates) happened
   * before any row was sent: the transaction is simply run again, a bounded number of times.
   */
  static async open(conn: PoolConnection, plan: LoadPlan): Promise<LoadStart> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await BatchLoad.tryOpen(conn, plan);
      } catch (error) {
        if (!(await rollback(conn))) throw error;
        if (!isLockConflict(error) || attempt >= OPEN_ATTEMPTS) throw error;
        await sleep(50 * 2 ** attempt * (0.5 + Math.random()));
      }
    }
  }

  private static async tryOpen(conn: PoolConnection, plan: LoadPlan): Promise<LoadStart> {
    await execute(conn, 'START TRANSACTION');
    const twin = await claimContent(conn, plan);
    if (twin !== undefined) {
      await execute(conn, 'ROLLBACK');
      return { kind: 'duplicate', duplicateOf: twin };
    }
    const replaced = await replaceScope(conn, plan.scope, plan.batchId);
    const fast =
      plan.mode === 'load-data' ? await LoadDataSink.open(conn, plan.target, plan.header) : undefined;
    const sink = fast ?? new InsertSink(conn, plan.target);
    const mode = fast === undefined ? 'insert' : 'load-data';
    return {
      kind: 'open',
      load: new BatchLoad(conn, plan, sink, replaced.predecessors, replaced.days, mode),
    };
  }

  /** False once the connection's state is unknown (a rollback failed): the caller destroys it. */
  get healthy(): boolean {
    return this.sound;
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
      await register(this.conn, this.plan);
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
      await execute(this.conn, 'COMMIT');
      this.closed = true;
      return { kind: 'committed', rowsLoaded: taken };
    } catch (error) {
      await this.rollback();
      throw error;
    }
  }

  /** Stop feeding the database and roll back everything this batch did. Safe to call twice. */
  async rollback(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.sink.abort(new Error('load rolled back'));
    this.sound = await rollback(this.conn);
  }
}

/** The registry rows of what this batch brought (a new dataset, new columns), in the load transaction. */
async function register(conn: PoolConnection, plan: LoadPlan): Promise<void> {
  const r = plan.registration;
  if (r === undefined) return;
  if (r.register) await registerDataset(conn, r.dataset, r.contract);
  await recordColumns(conn, r.dataset, r.columns, plan.batchId, r.firstOrdinal);
}

/** Insert the content's loaded_contents row first: a twin holding it makes us wait, then collide. */
export async function claimContent(
  conn: PoolConnection,
  plan: Pick<LoadPlan, 'dataset' | 'contentSha256' | 'batchId'>,
): Promise<string | undefined> {
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
