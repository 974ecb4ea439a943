import type { Problem } from '../errors.js';
import { checkMissingDays, futureHorizon } from './date-rules.js';
import { DateStats } from './date-stats.js';
import { checkDistribution } from './distribution.js';
import { type Example, type Finding, FindingLog } from './findings.js';
import { InstrumentIds } from './instrument-ids.js';
import { DEFAULT_LIMITS, type InspectionLimits } from './limits.js';
import type { QualityPolicy } from './policy.js';
import { SeenPairs } from './seen-pairs.js';

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
  /** When the batch was made (the manifest's createdAt): rows may not be dated much later (DATE_IN_FUTURE). */
  createdAt?: string;
}

/** What the warehouse knows: the trading calendar, and the instrument count of the day before the batch. */
export interface InspectionContext {
  calendar?: ReadonlySet<string>;
  /** Several calendars are loaded and the dataset names none: dates cannot be checked (CALENDAR_AMBIGUOUS). */
  ambiguousCalendars?: readonly string[];
  previousDay?: { date: string; instruments: number };
  /** The checker's own day (UTC, YYYY-MM-DD, injected): the future horizon never moves past it. */
  today?: string;
  /** Caps on what the rules keep in memory (defaults: limits.ts). */
  limits?: Partial<InspectionLimits>;
}

export interface InspectionReport {
  /** Rows accepted by the codec. */
  rows: number;
  /** Data lines read: accepted rows and rejected ones (what the manifest's rowCount counts). */
  lines: number;
  dates: string[];
  instruments: number;
  infinitiesAsNull: number;
  findings: Finding[];
  blocked: boolean;
}

/**
 * The quality rules, shared by the agent (before upload) and ingest (before commit). Streaming: rows are
 * observed one at a time; memory grows with dates × columns and with the rows' (date, instrument) pairs, and
 * both are capped (limits.ts), so no payload can make the rules hold unbounded state.
 */
export class BatchInspector {
  private readonly log = new FindingLog();
  private readonly stats: DateStats;
  private readonly seen = new SeenPairs();
  private readonly instrumentIds: InstrumentIds;
  private readonly limits: InspectionLimits;
  private readonly horizon: string | undefined;
  private readonly live = new Set<string>();
  private rows = 0;
  private rejected = 0;
  private infinities = 0;
  private incomplete = false;
  private capped: string | undefined;

  constructor(
    private readonly claim: BatchClaim,
    private readonly policy: QualityPolicy,
    private readonly context: InspectionContext = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...context.limits };
    this.stats = new DateStats(claim.columns.length, this.limits.maxStatCells);
    this.instrumentIds = new InstrumentIds(this.limits.maxInstruments);
    this.horizon = futureHorizon(claim.createdAt, context.today);
  }

  /** A problem the codec or a source found (the row itself was not emitted). A fatal one ends the reading. */
  problem(p: Problem & { field?: string; fatal?: boolean }): void {
    if (p.fatal === true) this.incomplete = true;
    this.log.addProblem(p);
  }

  /** A data line the codec rejected: a problem, and a line the manifest's rowCount counts. */
  rejectedRow(p: Problem & { field?: string; fatal?: boolean }): void {
    if (p.fatal !== true) this.rejected += 1;
    this.problem(p);
  }

  /** Reading stopped before the end (a cap): the batch is rejected with `code`, and counts are not judged. */
  halt(code: string, message: string, detail: string): void {
    this.incomplete = true;
    this.log.add(code, 'block', message, { detail });
  }

  /** The days the target table holds in the batch's range now (the loader, in its transaction). */
  requireDays(days: Iterable<string>): void {
    for (const day of days) this.live.add(day);
  }

  /** The code of the cap that was reached (reading should stop), if any. */
  get limitReached(): string | undefined {
    return this.capped;
  }

  /** Observe a row; `infinities` counts ±Inf the codec already turned into NULL under the `null` policy. */
  row(row: InspectedRow, infinities = 0): void {
    this.rows += 1;
    this.infinities += infinities;
    const where: Example = { date: row.date, instrument: row.instrument };
    if (row.line !== undefined) where.line = row.line;
    if (!this.checkDate(row.date, where)) return;
    const dateIndex = this.stats.observe(row.date, row.values);
    if (dateIndex < 0) {
      this.cap('DATE_COUNT_EXCEEDED', this.dateCapMessage(), where);
      return;
    }
    const id = this.instrumentIds.id(row.instrument);
    if (id === undefined) {
      const message = `more than ${this.instrumentIds.max} distinct instruments (MAX_INSTRUMENTS)`;
      this.cap('INSTRUMENT_LIMIT_EXCEEDED', message, where);
    } else if (!this.seen.add(dateIndex, id)) {
      this.log.add('DUPLICATE_KEY', 'block', 'the same (date, instrument) appears more than once', where);
    }
  }

  finish(): InspectionReport {
    const lines = this.rows + this.rejected;
    if (!this.incomplete && lines !== this.claim.rowCount) {
      const rejected = this.rejected > 0 ? ` (${this.rejected} of them rejected)` : '';
      this.log.add(
        'ROW_COUNT_MISMATCH',
        'block',
        `the manifest says ${this.claim.rowCount} rows, the payload has ${lines}${rejected}`,
        { detail: `manifest ${this.claim.rowCount}, payload ${lines}${rejected}` },
      );
    }
    if (this.infinities > 0) {
      this.log.add(
        'INF_AS_NULL',
        'warn',
        `${this.infinities} infinite values were stored as NULL (dataset policy)`,
      );
    }
    if (this.claim.kind === 'factors') this.checkCalendarChoice();
    // A blocked batch is refused already: rules that judge the whole batch would only add false findings.
    // No rows: nothing is replaced by this batch (ingest refuses it by its row count, the agent sends nothing).
    if (!this.log.blocked() && this.rows > 0) {
      const seen = new Set(this.stats.dates());
      checkMissingDays(this.log, this.claim.dateRange, this.context.calendar, this.live, seen);
    }
    if (this.claim.kind === 'factors' && !this.log.blocked()) {
      checkDistribution(this.log, this.stats, this.policy, this.claim, this.context.previousDay, this.rows);
    }
    const findings = this.log.list();
    return {
      rows: this.rows,
      lines,
      dates: this.stats.dates(),
      instruments: this.instrumentIds.size,
      infinitiesAsNull: this.infinities,
      findings,
      blocked: findings.some((f) => f.severity === 'block'),
    };
  }

  /** The row-level date rules; false when the row's date is outside what the batch may hold. */
  private checkDate(date: string, where: Example): boolean {
    const { start, end } = this.claim.dateRange;
    if (date < start || date > end) {
      this.log.add('DATE_OUT_OF_RANGE', 'block', `dates outside the manifest range ${start}..${end}`, where);
      return false;
    }
    if (this.horizon !== undefined && date > this.horizon) {
      const message = `dates after the batch was made (later than ${this.horizon})`;
      this.log.add('DATE_IN_FUTURE', 'block', message, where);
      return false;
    }
    const calendar = this.context.calendar;
    if (calendar !== undefined && this.policy.offCalendar !== 'off' && !calendar.has(date)) {
      this.log.add(
        'DATE_NOT_TRADING_DAY',
        this.policy.offCalendar,
        'dates that are not on the trading calendar',
        where,
      );
    }
    return true;
  }

  private cap(code: string, message: string, where: Example): void {
    if (this.capped !== undefined) return;
    this.capped = code;
    this.incomplete = true;
    this.log.add(code, 'block', message, where);
  }

  private dateCapMessage(): string {
    return `more than ${this.stats.maxDates} distinct dates for ${this.claim.columns.length} columns: split the batch`;
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
}
