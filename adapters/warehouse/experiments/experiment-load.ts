import type { Pool, PoolConnection } from 'mysql2/promise';
import type { AlertStore } from '../alert-store.js';
import type { Ledger } from '../ledger.js';
import type { LoadCommit, LoadOutcome } from '../loader.js';
import { claimContent } from '../loader.js';
import type { Predecessor } from '../restatement.js';
import { connect, execute, rollback } from '../sql.js';
import { ExperimentWriter } from './experiment-writer.js';

export interface ExperimentLoadPlan {
  batchId: string;
  owner: string;
  /** The batch's dataset: the MLflow store the rows come from, and the namespace of content identity. */
  dataset: string;
  contentSha256: string;
}

export type ExperimentLoadStart =
  | { kind: 'open'; load: ExperimentLoad }
  | { kind: 'duplicate'; duplicateOf: string };

/**
 * One experiments batch, all or nothing (docs/ingest.md): a single transaction claims the content
 * (loaded_contents: the same bytes twice load once), writes every line through the ExperimentWriter, and marks
 * the ledger `loaded` with the restated runs' predecessors; anything else rolls back.
 */
export class ExperimentLoad {
  private closed = false;

  private constructor(
    private readonly conn: PoolConnection,
    private readonly plan: ExperimentLoadPlan,
    readonly writer: ExperimentWriter,
  ) {}

  get connection(): PoolConnection {
    return this.conn;
  }

  static async open(pool: Pool, plan: ExperimentLoadPlan): Promise<ExperimentLoadStart> {
    const conn = await connect(pool);
    try {
      await execute(conn, 'START TRANSACTION');
      const twin = await claimContent(conn, plan);
      if (twin !== undefined) {
        await execute(conn, 'ROLLBACK');
        conn.release();
        return { kind: 'duplicate', duplicateOf: twin };
      }
      return {
        kind: 'open',
        load: new ExperimentLoad(conn, plan, new ExperimentWriter(conn, plan.dataset, plan.batchId)),
      };
    } catch (error) {
      await rollback(conn);
      conn.destroy();
      throw error;
    }
  }

  /** Mark the ledger `loaded` (if the lease is still ours), record the restatement and the alerts, commit. */
  async commit(
    ledger: Ledger,
    alerts: AlertStore,
    outcome: LoadOutcome & { rows: number; predecessors: Predecessor[] },
  ): Promise<LoadCommit> {
    const { batchId, owner } = this.plan;
    try {
      if (outcome.predecessors.length > 0) {
        const detail = {
          predecessors: outcome.predecessors,
          runsReplaced: outcome.predecessors.reduce((n, p) => n + p.rows, 0),
        };
        await ledger.record(this.conn, batchId, { event: 'restated', detail });
      }
      const settled = await ledger.settle(this.conn, batchId, owner, {
        status: 'loaded',
        summary: outcome.summary,
        rowsLoaded: outcome.rows,
        restatesBatchId: outcome.predecessors[0]?.batchId,
        warnings: outcome.warnings,
        eventDetail: { rows: outcome.rows, warnings: outcome.warnings },
      });
      if (!settled) {
        await this.rollback();
        return { kind: 'lease_lost' };
      }
      for (const alert of outcome.alerts) await alerts.record(this.conn, alert);
      await execute(this.conn, 'COMMIT');
      this.close(true);
      return { kind: 'committed', rowsLoaded: outcome.rows };
    } catch (error) {
      await this.rollback();
      throw error;
    }
  }

  /** Roll back everything this batch wrote. Safe to call twice. */
  async rollback(): Promise<void> {
    if (this.closed) return;
    this.close(await rollback(this.conn));
  }

  private close(healthy: boolean): void {
    if (this.closed) return;
    this.closed = true;
    if (healthy) this.conn.release();
    else this.conn.destroy();
  }
}
