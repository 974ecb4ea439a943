import type { RowDataPacket } from 'mysql2/promise';
import type { RunsRequest } from '../../../core/api/runs-request.js';
import { type Param, selectPrepared } from '../prepared.js';
import type { Queryable } from '../sql.js';

/**
 * What the HTTP API reads of experiment results (migrations/0005, 0010; docs/experiments.md, "Read back"). Prepared
 * statements; the one identifier that varies (the sort column) comes from RUN_ORDER_COLUMNS, never the request.
 */

/** Every experiment of every store, with its tags and how many runs it has. */
export async function listExperiments(db: Queryable): Promise<RowDataPacket[]> {
  const rows = await selectPrepared(
    db,
    `SELECT e.store, e.experiment_id, e.name, e.lifecycle_stage, e.created_at, e.updated_at, e.batch_id,
            (SELECT COUNT(*) FROM runs r WHERE r.store = e.store AND r.experiment_id = e.experiment_id) AS runs
       FROM experiments e ORDER BY e.store, e.name, e.experiment_id`,
  );
  const tags = await selectPrepared(
    db,
    'SELECT store, experiment_id, tag_key, tag_value FROM experiment_tags',
  );
  return rows.map((r) => ({
    ...r,
    tags: Object.fromEntries(
      tags
        .filter((t) => t.store === r.store && t.experiment_id === r.experiment_id)
        .map((t) => [t.tag_key, t.tag_value]),
    ),
  })) as RowDataPacket[];
}

/**
 * One page of run summaries in `orderBy` order, NULLs last, after `after`. Two reads, each in the order of the
 * column's index (migrations/0011: (column, run_id)) so a page costs `limit` index entries, not a sort of the
 * table: the runs with a value, then — once those run out — the runs without one.
 */
export async function listRunSummaries(db: Queryable, q: RunsRequest): Promise<RowDataPacket[]> {
  const valued = q.after?.isNull === true ? [] : await runPage(db, q, 'valued');
  if (valued.length >= q.limit) return valued;
  const rest = { ...q, limit: q.limit - valued.length };
  // Past the valued runs the NULL phase starts from its beginning, unless the cursor is already in it.
  if (valued.length > 0 || q.after?.isNull !== true) delete rest.after;
  return [...valued, ...(await runPage(db, rest, 'null'))];
}

async function runPage(db: Queryable, q: RunsRequest, phase: 'valued' | 'null'): Promise<RowDataPacket[]> {
  const col = `s.${q.orderBy}`;
  const cmp = q.desc ? '<' : '>';
  const where: string[] = [phase === 'valued' ? `${col} IS NOT NULL` : `${col} IS NULL`];
  const values: Param[] = [];
  if (q.experiment !== undefined) {
    where.push('e.name = ?');
    values.push(q.experiment);
  }
  if (q.store !== undefined) {
    where.push('s.store = ?');
    values.push(q.store);
  }
  if (!q.includeDeleted) where.push("s.lifecycle_stage = 'active'");
  if (q.after !== undefined) {
    if (phase === 'null') {
      where.push(`s.run_id ${cmp} ?`);
      values.push(q.after.runId);
    } else {
      where.push(`(${col} ${cmp} ? OR (${col} = ? AND s.run_id ${cmp} ?))`);
      values.push(q.after.value, q.after.value, q.after.runId);
    }
  }
  const dir = q.desc ? 'DESC' : 'ASC';
  const order = phase === 'valued' ? `${col} ${dir}, s.run_id ${dir}` : `s.run_id ${dir}`;
  return selectPrepared(
    db,
    `SELECT s.*, e.name AS experiment_name FROM run_summaries s
       LEFT JOIN experiments e ON e.store = s.store AND e.experiment_id = s.experiment_id
      WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ?`,
    [...values, q.limit],
  );
}

/** Everything stored of one run, or undefined. */
export async function runDetail(db: Queryable, runId: string) {
  const [run] = await selectPrepared(
    db,
    `SELECT r.*, e.name AS experiment_name FROM runs r
       LEFT JOIN experiments e ON e.store = r.store AND e.experiment_id = r.experiment_id WHERE r.run_id = ?`,
    [runId],
  );
  if (run === undefined) return undefined;
  const [summary] = await selectPrepared(db, 'SELECT * FROM run_summaries WHERE run_id = ?', [runId]);
  const params = await selectPrepared(
    db,
    'SELECT param_key, param_value FROM run_params WHERE run_id = ? ORDER BY param_key',
    [runId],
  );
  const tags = await selectPrepared(
    db,
    'SELECT tag_key, tag_value FROM run_tags WHERE run_id = ? ORDER BY tag_key',
    [runId],
  );
  const metrics = await selectPrepared(
    db,
    `SELECT metric_key, step, ts_ms, value, non_finite FROM run_metrics WHERE run_id = ? ORDER BY metric_key, seq`,
    [runId],
  );
  const artifacts = await selectPrepared(
    db,
    'SELECT path, bytes, sha256, object_key FROM run_artifacts WHERE run_id = ? ORDER BY path',
    [runId],
  );
  const excess = await selectPrepared(
    db,
    `SELECT frequency, cost, mean, std, annualized_return, information_ratio, max_drawdown FROM run_excess_returns
      WHERE run_id = ? ORDER BY frequency, cost`,
    [runId],
  );
  return { run, summary, params, tags, metrics, artifacts, excess };
}

const CONFIG_FIELDS = `config_hash, source, name, model_class, model_module, dataset_class, dataset_module, handler_class,
  handler_module, market, benchmark, label, DATE_FORMAT(train_start, '%Y-%m-%d') AS train_start,
  DATE_FORMAT(train_end, '%Y-%m-%d') AS train_end, DATE_FORMAT(valid_start, '%Y-%m-%d') AS valid_start,
  DATE_FORMAT(valid_end, '%Y-%m-%d') AS valid_end, DATE_FORMAT(test_start, '%Y-%m-%d') AS test_start,
  DATE_FORMAT(test_end, '%Y-%m-%d') AS test_end, segments_json, first_batch_id, created_at`;

/** Every model config (without its text), newest first, with how many runs use it. */
export async function listConfigs(db: Queryable): Promise<RowDataPacket[]> {
  return selectPrepared(
    db,
    `SELECT ${CONFIG_FIELDS}, (SELECT COUNT(*) FROM runs r WHERE r.config_hash = c.config_hash) AS runs
       FROM model_configs c ORDER BY created_at DESC, config_hash`,
  );
}

/** The configs a reference names: a full hash, a hash prefix (8+ hex digits), or a name; newest first. */
export async function findConfigs(db: Queryable, ref: string): Promise<RowDataPacket[]> {
  const byHash = /^[0-9a-f]{8,64}$/.test(ref)
    ? await selectPrepared(
        db,
        `SELECT ${CONFIG_FIELDS}, config_text FROM model_configs WHERE config_hash LIKE ? ORDER BY created_at DESC`,
        [`${ref}%`],
      )
    : [];
  if (byHash.length > 0) return byHash;
  return selectPrepared(
    db,
    `SELECT ${CONFIG_FIELDS}, config_text FROM model_configs WHERE name = ? ORDER BY created_at DESC, config_hash`,
    [ref],
  );
}
