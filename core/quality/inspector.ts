import type { Problem } from '../errors.js';
import { DateStats } from './date-stats.js';
import { type Example, type Finding, FindingLog } from './findings.js';
import type { QualityPolicy } from './policy.js';

/** A row as both sides see it: the agent from the .bin files, ingest from the parsed payload. */
export interface InspectedRow {
  line?: number;
  date: string;
  instrument: string;
  /** One per column; null or NaN is NULL. */
  values: ArrayLike<number | null>;
}

/** What the batch claims (from its manifest). */
export interface BatchClaim {
  kind: 'factors' | 'calendar' | 'experiments';
  dateRange: { start: string; end: string };
  columns: readonly { name: string }[];
  rowCount: number;
}

/** What the warehouse knows: the trading calendar, and the instrument count of the day before the batch. */
export interface InspectionContext {
  calendar?: ReadonlySet<string>;
  /** Several calendars are loaded and the dataset names none: dates cannot be checked (CALENDAR_AMBIGUOUS). */
  ambiguousCalendars?: readonly string[];
  previousDay?: { date: string; instruments: number };
}

export interface InspectionReport {
  rows: number;
  dates: string[];
  instruments: number;
  infinitiesAsNull: number;
  findings: Finding[];
  blocked: boolean;
}

/**
 * The quality rules, shared by the agent (before upload) and ingest (before commit). Streaming: rows are
 * observed one at a time, memory grows with dates × distinct instruments (a bit each), not with values.
 */
export class BatchInspector {
  private readonly log = new FindingLog();
  private readonly stats: DateStats;
  /** Per date index, a bitset of the instrument ids seen on it: 1 bit per (date, instrument), not a Set entry. */
  private readonly seen: Uint8Array[] = [];
  private readonly instrumentIds = new Map<string, number>();
  private rows = 0;
  private infinities = 0;

  constructor(
    private readonly claim: BatchClaim,
    private readonly policy: QualityPolicy,
    private readonly context: InspectionContext = {},
  ) {
    this.stats = new DateStats(claim.columns.length);
  }

  /** A row-level problem the codec found (the row itself was not emitted). */
  problem(p: Problem & { field?: string }): void {
    this.log.addProblem(p);
  }

  /** Observe a row; `infinities` counts ±Inf the codec already turned into NULL under the `null` policy. */
  row(row: InspectedRow, infinities = 0): void {
    this.rows += 1;
    this.infinities += infinities;
    const where: Example = { date: row.date, instrument: row.instrument };
    if (row.line !== undefined) where.line = row.line;
    const { start, end } = this.claim.dateRange;
    if (row.date < start || row.date > end) {
      this.log.add('DATE_OUT_OF_RANGE', 'block', `dates outside the manifest range ${start}..${end}`, where);
    }
    const calendar = this.context.calendar;
    if (calendar !== undefined && this.policy.offCalendar !== 'off' && !calendar.has(row.date)) {
      this.log.add(
        'DATE_NOT_TRADING_DAY',
        this.policy.offCalendar,
        'dates that are not on the trading calendar',
        where,
      );
    }
    const dateIndex = this.stats.observe(row.date, row.values);
    if (!this.firstTime(dateIndex, row.instrument)) {
      this.log.add('DUPLICATE_KEY', 'block', 'the same (date, instrument) appears more than once', where);
    }
  }

  finish(): InspectionReport {
    if (this.rows !== this.claim.rowCount) {
      this.log.add(
        'ROW_COUNT_MISMATCH',
        'block',
        `the manifest says ${this.claim.rowCount} rows, the payload has ${this.rows}`,
        {
          detail: `manifest ${this.claim.rowCount}, payload ${this.rows}`,
        },
      );
    }
    if (this.infinities > 0) {
      this.log.add(
        'INF_AS_NULL',
        'warn',
        `${this.infinities} infinite values were stored as NULL (dataset policy)`,
      );
    }
    if (this.claim.kind === 'factors') {
      this.checkCalendarChoice();
      this.checkDistribution();
    }
    const findings = this.log.list();
    return {
      rows: this.rows,
      dates: this.stats.dates(),
      instruments: this.instrumentIds.size,
      infinitiesAsNull: this.infinities,
      findings,
      blocked: findings.some((f) => f.severity === 'block'),
    };
  }

  private firstTime(dateIndex: number, instrument: string): boolean {
    let id = this.instrumentIds.get(instrument);
    if (id === undefined) {
      id = this.instrumentIds.size;
      this.instrumentIds.set(instrument, id);
    }
    // A bit per (date, instrument): 250 days × 5000 instruments is 156 KiB, where a Set of keys took ~40 MiB.
    let bits = this.seen[dateIndex];
    if (bits === undefined || bits.length * 8 <= id) {
      const grown = new Uint8Array(Math.max(64, (bits?.length ?? 0) * 2, (id >> 3) + 1));
      if (bits !== undefined) grown.set(bits);
      bits = grown;
      this.seen[dateIndex] = bits;
    }
    const mask = 1 << (id & 7);
    const byte = bits[id >> 3] as number;
    if ((byte & mask) !== 0) return false;
    bits[id >> 3] = byte | mask;
    return true;
  }

  /** The calendar rule is silently off when it cannot pick a calendar; people hear about it instead. */
  private checkCalendarChoice(): void {
    const names = this.context.ambiguousCalendars;
    if (names === undefined || names.length < 2 || this.policy.offCalendar === 'off') return;
    this.log.add(
      'CALENDAR_AMBIGUOUS',
      'warn',
      'several trading calendars are loaded and the dataset names none: dates were not checked',
      { detail: `calendars ${names.join(', ')}; set datasets.calendar for this dataset` },
    );
  }

  private checkDistribution(): void {
    const { nullRatio, instrumentDrift, constantFactor } = this.policy;
    const columns = this.claim.columns.map((c) => c.name);
    const nullSeverity = nullRatio.severity;
    if (nullSeverity !== 'off' && this.rows > 0) {
      for (const [i, nulls] of this.stats.nullCounts().entries()) {
        const ratio = nulls / this.rows;
        if (ratio <= nullRatio.max) continue;
        this.log.add('NULL_RATIO', nullSeverity, `columns with more than ${pct(nullRatio.max)} NULL`, {
          field: columns[i] as string,
          detail: `${pct(ratio)} NULL (${nulls} of ${this.rows})`,
        });
      }
    }
    const driftSeverity = instrumentDrift.severity;
    if (driftSeverity !== 'off') {
      const message = `the instrument count changed by more than ${pct(instrumentDrift.tolerance)} from one trading day to the next`;
      for (const drift of this.stats.drifts(this.context.previousDay, instrumentDrift.tolerance)) {
        this.log.add('INSTRUMENT_COUNT_DRIFT', driftSeverity, message, drift);
      }
    }
    const constantSeverity = constantFactor.severity;
    if (constantSeverity !== 'off') {
      for (const c of this.stats.constants(constantFactor.minInstruments)) {
        this.log.add(
          'CONSTANT_FACTOR',
          constantSeverity,
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
}

function pct(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}
