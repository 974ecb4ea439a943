import { openIncidents } from '../../adapters/warehouse/incident-queries.js';
import { recentProfiles } from '../../adapters/warehouse/profile-store.js';
import { factorTableName } from '../../adapters/warehouse/registry.js';
import { watchedDatasets } from '../../adapters/warehouse/sla-store.js';
import type { DayProfile } from '../../core/drift/profile.js';
import { type DriftOutlier, findDrift, MIN_HISTORY } from '../../core/drift/robust-z.js';
import type { IncidentFinding } from '../../core/incident-message.js';
import { incidentKey } from '../../core/incidents.js';
import { todayIn } from '../../core/sla.js';
import { RUN_LIMITS } from './deps.js';
import type { RunContext } from './run-context.js';

/** Each day is compared with this many previous trading days (profiled days of the dataset). */
export const DRIFT_HISTORY = 20;

/**
 * Drift (docs/monitor.md): each of a dataset's latest profiled days (and any day with an open drift incident) is
 * compared with the 20 profiled trading days before it by robust z-scores (core/drift/robust-z.ts) of its row
 * count and of each column's mean, standard deviation and NULL ratio; outliers are a warning naming the columns.
 */
export async function checkDrift(run: RunContext): Promise<void> {
  const { pool } = run.deps;
  const open = await openIncidents(pool, ['drift']);
  for (const { sla } of await watchedDatasets(pool)) {
    if (!sla.enabled || sla.driftThreshold === null) continue;
    const latest = await recentProfiles(pool, sla.dataset, todayIn(sla, run.now), RUN_LIMITS.lookbackDays);
    const openDays = open.filter((i) => i.dataset === sla.dataset).map((i) => String(i.tradingDay));
    for (const date of [...new Set([...latest.map((p) => p.date), ...openDays])].sort()) {
      // The day itself and the DRIFT_HISTORY profiled days before it, newest first.
      const [day, ...before] = await recentProfiles(pool, sla.dataset, date, DRIFT_HISTORY + 1);
      if (day === undefined || day.date !== date) continue;
      await judgeDay(run, sla.dataset, sla.driftThreshold, day, before);
    }
  }
}

async function judgeDay(
  run: RunContext,
  dataset: string,
  threshold: number,
  day: DayProfile,
  before: DayProfile[],
) {
  const base = { check: 'drift', subject: dataset, dataset, tradingDay: day.date };
  if (before.length < MIN_HISTORY) {
    await run.evaluate({
      ...base,
      outcome: 'skipped',
      figures: { historyDays: before.length, needs: MIN_HISTORY },
    });
    return;
  }
  const outliers = findDrift(day, before, threshold);
  const figures = { historyDays: before.length, threshold, outliers: outliers.map(describe) };
  const finding = driftFinding(dataset, day, before, outliers);
  await run.evaluate({ ...base, outcome: outliers.length > 0 ? 'warn' : 'ok', figures }, finding);
}

function driftFinding(
  dataset: string,
  day: DayProfile,
  before: DayProfile[],
  outliers: DriftOutlier[],
): IncidentFinding {
  const columns = [...new Set(outliers.map((o) => o.column ?? 'row count'))];
  const from = before.at(-1)?.date;
  const to = before[0]?.date;
  return {
    check: 'drift',
    subject: dataset,
    key: incidentKey('drift', dataset, day.date),
    verdict: outliers.length > 0 ? 'warn' : 'ok',
    dataset,
    tradingDay: day.date,
    code: 'DRIFT',
    headline:
      outliers.length > 0
        ? `${dataset} ${day.date} drift in ${columns.join(', ')} (${outliers.slice(0, 4).map(describe).join('; ')})`
        : `${dataset} ${day.date} no longer drifts against ${from}..${to}`,
    what: [
      `${day.date} compared with ${before.length} trading days (${from}..${to}) by robust z-score (median/MAD)`,
      ...outliers.map(describe),
    ],
    where: {
      profile: `SELECT * FROM dataset_profiles WHERE dataset = '${dataset}' AND trade_date = '${day.date}'`,
      rows: `SELECT * FROM ${factorTableName(dataset)} WHERE trade_date = '${day.date}' LIMIT 20`,
    },
    todo: [
      'look at the column(s) named: an upstream change (a data vendor, a formula, a unit) or a real market move?',
      `if the values are wrong, fix them and push the day again (a restatement replaces it): qlib-sync push … --dataset ${dataset}`,
      `tune or switch off: npm run sla -- set ${dataset} --drift 5 (or --drift off)`,
    ],
    figures: { outliers },
  };
}

function describe(o: DriftOutlier): string {
  const what =
    o.column === null ? 'row count' : `${o.column} ${o.metric === 'nullRatio' ? 'NULL ratio' : o.metric}`;
  const z = Number.isFinite(o.z) ? o.z.toFixed(1) : o.z > 0 ? '+inf' : '-inf';
  return `${what} ${fmt(o.value)} vs median ${fmt(o.median)} (z=${z})`;
}

function fmt(x: number): string {
  return Math.abs(x) >= 1000 || (Math.abs(x) < 0.001 && x !== 0)
    ? x.toExponential(2)
    : String(Number(x.toPrecision(3)));
}
