import type { DateStats } from './date-stats.js';
import type { FindingLog } from './findings.js';
import type { QualityPolicy } from './policy.js';

/**
 * The distribution rules over a whole batch, each with the dataset's severity and threshold (policy.ts):
 * NULL_RATIO per column, INSTRUMENT_COUNT_DRIFT from one trading day to the next, CONSTANT_FACTOR per date.
 */
export function checkDistribution(
  log: FindingLog,
  stats: DateStats,
  policy: QualityPolicy,
  claim: { columns: readonly { name: string }[] },
  previousDay: { date: string; instruments: number } | undefined,
  rows: number,
): void {
  const columns = claim.columns.map((c) => c.name);
  const { nullRatio, instrumentDrift, constantFactor } = policy;
  if (nullRatio.severity !== 'off' && rows > 0) {
    for (const [i, nulls] of stats.nullCounts().entries()) {
      const ratio = nulls / rows;
      if (ratio <= nullRatio.max) continue;
      log.add('NULL_RATIO', nullRatio.severity, `columns with more than ${pct(nullRatio.max)} NULL`, {
        field: columns[i] as string,
        detail: `${pct(ratio)} NULL (${nulls} of ${rows})`,
      });
    }
  }
  if (instrumentDrift.severity !== 'off') {
    const message = `the instrument count changed by more than ${pct(instrumentDrift.tolerance)} from one trading day to the next`;
    for (const drift of stats.drifts(previousDay, instrumentDrift.tolerance)) {
      log.add('INSTRUMENT_COUNT_DRIFT', instrumentDrift.severity, message, drift);
    }
  }
  if (constantFactor.severity !== 'off') {
    for (const c of stats.constants(constantFactor.minInstruments)) {
      log.add(
        'CONSTANT_FACTOR',
        constantFactor.severity,
        'a factor has the same value for every instrument of a date',
        {
          date: c.date,
          field: columns[c.column] as string,
          value: String(c.value),
          detail: `${c.instruments} instruments`,
        },
      );
    }
  }
}

function pct(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}
