import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import { TerminalError } from '../../core/errors.js';
import {
  DEFAULT_DATASET,
  effectiveSla,
  type Frequency,
  type Sla,
  type SlaSettings,
  slaOrderProblems,
} from '../../core/sla.js';
import type { Pool } from './pool.js';
import { execute, inTransaction, type Queryable, selectRows } from './sql.js';

/** A dataset the monitor watches: its effective SLA and the calendar its registry entry names. */
export interface WatchedDataset {
  sla: Sla;
  registryCalendar: string | null;
}

/** The SLA of one dataset as shown to a person: what it sets itself, and what applies. */
export interface SlaView {
  dataset: string;
  own: SlaSettings;
  effective: Sla;
}

const COLUMNS = {
  enabled: 'enabled',
  calendar: 'calendar',
  frequency: 'frequency',
  timeZone: 'time_zone',
  due: 'due_time',
  warnAfter: 'warn_after',
  errorAfter: 'error_after',
  driftThreshold: 'drift_threshold',
} as const satisfies Record<keyof SlaSettings, string>;

/**
 * dataset_slas (migrations/0008): one row per dataset that sets something, and '*' for the defaults. NULL inherits;
 * drift_threshold 0 stores "drift off" (null in core/sla.ts). The functions here are what `npm run sla` and the
 * HTTP API's admin calls use.
 */
export async function readSlaSettings(db: Queryable): Promise<Map<string, SlaSettings>> {
  const rows = await selectRows(db, 'SELECT * FROM dataset_slas');
  return new Map(rows.map((r) => [String(r.dataset), settingsOf(r)]));
}

/** One dataset's settings and effective SLA ('*' shows the defaults). */
export async function showSla(db: Queryable, dataset: string): Promise<SlaView> {
  const all = await readSlaSettings(db);
  const own = all.get(dataset) ?? {};
  const defaults = dataset === DEFAULT_DATASET ? {} : (all.get(DEFAULT_DATASET) ?? {});
  return { dataset, own, effective: effectiveSla(dataset, own, defaults) };
}

/**
 * Set some of a dataset's SLA settings (`unset` names the ones to inherit again), recorded with who changed it.
 * The result must still have due ≤ warn ≤ error, or nothing changes (TerminalError SLA_ORDER). `record` runs in
 * the same transaction once the row is written (the HTTP API's admin change log): both commit, or neither.
 */
export async function setSla(
  pool: Pool,
  dataset: string,
  change: { set: SlaSettings; unset?: readonly (keyof SlaSettings)[] },
  by: string,
  record?: (conn: PoolConnection, before: SlaView, after: SlaView) => Promise<void>,
): Promise<{ before: SlaView; after: SlaView }> {
  return inTransaction(pool, async (conn) => {
    const before = await showSla(conn, dataset);
    const own: SlaSettings = { ...before.own, ...change.set };
    for (const key of change.unset ?? []) delete own[key];
    const defaults =
      dataset === DEFAULT_DATASET ? {} : ((await readSlaSettings(conn)).get(DEFAULT_DATASET) ?? {});
    const effective = effectiveSla(dataset, own, defaults);
    const problems = slaOrderProblems(effective);
    if (problems.length > 0) {
      throw new TerminalError('SLA_ORDER', `the SLA of ${dataset} would have ${problems.join('; ')}`);
    }
    const values = (Object.keys(COLUMNS) as (keyof SlaSettings)[]).map((k) => columnValue(k, own[k]));
    await execute(
      conn,
      `INSERT INTO dataset_slas (dataset, ${Object.values(COLUMNS).join(', ')}, updated_at, updated_by)
       VALUES (?, ${values.map(() => '?').join(', ')}, UTC_TIMESTAMP(3), ?)
       ON DUPLICATE KEY UPDATE ${Object.values(COLUMNS)
         .map((c) => `${c} = VALUES(${c})`)
         .join(', ')}, updated_at = VALUES(updated_at), updated_by = VALUES(updated_by)`,
      [dataset, ...values, by.slice(0, 64)],
    );
    // A registered dataset's calendar is the registry's (ingest checks its dates against it): one source of truth.
    if (change.set.calendar !== undefined && dataset !== DEFAULT_DATASET) {
      await execute(
        conn,
        'UPDATE datasets SET calendar = ?, updated_at = UTC_TIMESTAMP(3) WHERE dataset = ?',
        [change.set.calendar, dataset],
      );
    }
    const after = { dataset, own, effective };
    await record?.(conn, before, after);
    return { before, after };
  });
}

/** Forget what a dataset sets: it inherits everything again. */
export async function resetSla(db: Queryable, dataset: string): Promise<boolean> {
  return (await execute(db, 'DELETE FROM dataset_slas WHERE dataset = ?', [dataset])) === 1;
}

/**
 * The datasets the monitor watches: every registered factor dataset, and any other dataset with its own SLA row,
 * each with its effective SLA (disabled ones included: the monitor records them as skipped).
 */
export async function watchedDatasets(db: Queryable): Promise<WatchedDataset[]> {
  const settings = await readSlaSettings(db);
  const defaults = settings.get(DEFAULT_DATASET) ?? {};
  const registered = await selectRows(db, "SELECT dataset, calendar FROM datasets WHERE kind = 'factors'");
  const calendars = new Map(
    registered.map((r) => [String(r.dataset), (r.calendar ?? null) as string | null]),
  );
  const names = new Set([...calendars.keys(), ...[...settings.keys()].filter((d) => d !== DEFAULT_DATASET)]);
  return [...names].sort().map((dataset) => {
    const sla = effectiveSla(dataset, settings.get(dataset) ?? {}, defaults);
    const registryCalendar = calendars.get(dataset) ?? null;
    // The registry names a registered dataset's calendar (ingest checks dates against it); the SLA's own only
    // stands in for a dataset not registered yet.
    return { sla: { ...sla, calendar: registryCalendar ?? sla.calendar }, registryCalendar };
  });
}

function settingsOf(r: RowDataPacket): SlaSettings {
  const s: SlaSettings = {};
  if (r.enabled !== null) s.enabled = Number(r.enabled) === 1;
  if (r.calendar !== null) s.calendar = String(r.calendar);
  if (r.frequency !== null) s.frequency = String(r.frequency) as Frequency;
  if (r.time_zone !== null) s.timeZone = String(r.time_zone);
  if (r.due_time !== null) s.due = String(r.due_time);
  if (r.warn_after !== null) s.warnAfter = String(r.warn_after);
  if (r.error_after !== null) s.errorAfter = String(r.error_after);
  if (r.drift_threshold !== null)
    s.driftThreshold = Number(r.drift_threshold) === 0 ? null : Number(r.drift_threshold);
  return s;
}

function columnValue(key: keyof SlaSettings, value: SlaSettings[keyof SlaSettings]): unknown {
  if (value === undefined) return null;
  if (key === 'enabled') return value ? 1 : 0;
  if (key === 'driftThreshold') return value === null ? 0 : value;
  return value;
}
