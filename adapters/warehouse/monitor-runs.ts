import { execute, insertRow, type Queryable, selectRows, sqlTime } from './sql.js';

/** One evaluation of one check: the queryable history (check_results, migrations/0008). */
export interface CheckResult {
  check: string;
  subject: string;
  dataset?: string | undefined;
  tradingDay?: string | undefined;
  /** ok, pending, late, warn, error, skipped, unknown, redriven, waiting, gave_up, failed */
  outcome: string;
  figures?: Record<string, unknown>;
  incidentKey?: string | undefined;
}

export interface RunCounts {
  checks: number;
  transitions: number;
  redriven: number;
  published: number;
}

/** What the HTTP API's health reads: the monitor's last runs, and whether it has gone quiet. */
export interface MonitorHealth {
  lastCompleted: { id: number; scheduledAt: string; finishedAt: string } | undefined;
  lastStarted: { id: number; scheduledAt: string; status: string } | undefined;
  /** no completed run within two intervals of `now` */
  stale: boolean;
}

/** Start a run (one row per attempt of a timer event); returns its id. */
export async function startRun(db: Queryable, requestId: string, scheduledAt: Date): Promise<number> {
  const { insertId } = await insertRow(
    db,
    `INSERT INTO monitor_runs (request_id, scheduled_at, started_at, status) VALUES (?, ?, UTC_TIMESTAMP(3), 'running')`,
    [requestId.slice(0, 64), sqlTime(scheduledAt)],
  );
  return insertId;
}

export async function finishRun(
  db: Queryable,
  id: number,
  outcome: { status: 'completed' | 'failed'; counts: RunCounts; summary: unknown; error?: string },
): Promise<void> {
  const c = outcome.counts;
  await execute(
    db,
    `UPDATE monitor_runs SET status = ?, finished_at = UTC_TIMESTAMP(3), checks = ?, transitions = ?, redriven = ?,
       published = ?, summary = ?, error = ? WHERE id = ?`,
    [
      outcome.status,
      c.checks,
      c.transitions,
      c.redriven,
      c.published,
      JSON.stringify(outcome.summary),
      outcome.error ?? null,
      id,
    ],
  );
}

/** The latest completed run other than `exceptId` (by its scheduled time). */
export async function lastCompletedRun(
  db: Queryable,
  exceptId: number,
): Promise<{ id: number; scheduledAt: string; finishedAt: string } | undefined> {
  const [r] = await selectRows(
    db,
    `SELECT id, scheduled_at, finished_at FROM monitor_runs WHERE status = 'completed' AND id <> ?
      ORDER BY scheduled_at DESC, id DESC LIMIT 1`,
    [exceptId],
  );
  if (r === undefined) return undefined;
  return { id: Number(r.id), scheduledAt: String(r.scheduled_at), finishedAt: String(r.finished_at) };
}

/** The monitor's health at `now` (by scheduled times): stale after two intervals without a completed run. */
export async function monitorHealth(
  db: Queryable,
  intervalMinutes: number,
  now: Date,
): Promise<MonitorHealth> {
  const lastCompleted = await lastCompletedRun(db, 0);
  const [s] = await selectRows(
    db,
    'SELECT id, scheduled_at, status FROM monitor_runs ORDER BY scheduled_at DESC, id DESC LIMIT 1',
  );
  const lastStarted =
    s === undefined
      ? undefined
      : { id: Number(s.id), scheduledAt: String(s.scheduled_at), status: String(s.status) };
  const last =
    lastCompleted === undefined ? undefined : Date.parse(`${lastCompleted.scheduledAt.replace(' ', 'T')}Z`);
  const stale = last === undefined || now.getTime() - last > 2 * intervalMinutes * 60_000;
  return { lastCompleted, lastStarted, stale };
}

/** Record a run's evaluations, a few hundred rows per statement. */
export async function recordResults(
  db: Queryable,
  runId: number,
  evaluatedAt: Date,
  results: readonly CheckResult[],
): Promise<void> {
  const at = sqlTime(evaluatedAt);
  for (let i = 0; i < results.length; i += 200) {
    const chunk = results.slice(i, i + 200);
    await execute(
      db,
      `INSERT INTO check_results (run_id, evaluated_at, check_name, subject, dataset, trading_day, outcome, figures, incident_key)
       VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      chunk.flatMap((r) => [
        runId,
        at,
        r.check,
        r.subject.slice(0, 128),
        r.dataset ?? null,
        r.tradingDay ?? null,
        r.outcome,
        r.figures === undefined ? null : JSON.stringify(r.figures),
        r.incidentKey ?? null,
      ]),
    );
  }
}

/** Keep the history bounded: drop evaluations older than `days` (at most `limit` rows per call). */
export async function pruneResults(db: Queryable, before: Date, limit: number): Promise<number> {
  return execute(db, 'DELETE FROM check_results WHERE evaluated_at < ? LIMIT ?', [sqlTime(before), limit]);
}

export async function readCursor(db: Queryable, name: string): Promise<string> {
  const [r] = await selectRows(db, 'SELECT position FROM monitor_cursors WHERE name = ?', [name]);
  return r === undefined ? '' : String(r.position);
}

export async function saveCursor(db: Queryable, name: string, position: string): Promise<void> {
  await execute(
    db,
    `INSERT INTO monitor_cursors (name, position, updated_at) VALUES (?, ?, UTC_TIMESTAMP(3))
     ON DUPLICATE KEY UPDATE position = VALUES(position), updated_at = VALUES(updated_at)`,
    [name, position],
  );
}
