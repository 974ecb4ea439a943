import type { DatasetEntry } from '../../adapters/warehouse/registry.js';
import { calendarDays, chooseCalendar, previousDay } from '../../adapters/warehouse/warehouse-facts.js';
import type { CsvLayout } from '../../core/csv/index.js';
import { isTerminal } from '../../core/errors.js';
import type { ManifestV1 } from '../../core/manifest.js';
import { BatchInspector, type InspectionContext } from '../../core/quality/inspector.js';
import { DEFAULT_POLICY, parsePolicy, type QualityPolicy } from '../../core/quality/policy.js';
import type { IngestDeps } from './deps.js';
import { type Rejection, rejectWith } from './rejection.js';

/** What the streaming step needs to judge a payload: its layout, the rules, and the inspector running them. */
export interface Inspection {
  layout: CsvLayout;
  policy: QualityPolicy;
  inspector: BatchInspector;
  calendar?: string;
}

/**
 * The dataset's rules (registry inf_policy and rules JSON over the defaults) and what the warehouse knows:
 * the trading calendar (the dataset's own, else the only one loaded; several and none named is a warning)
 * and the day before the batch.
 */
export async function prepareInspection(
  deps: IngestDeps,
  manifest: ManifestV1,
  entry: DatasetEntry | undefined,
): Promise<Inspection | { rejection: Rejection }> {
  let policy: QualityPolicy;
  try {
    policy = parsePolicy(entry?.rules, { ...DEFAULT_POLICY, inf: entry?.infPolicy ?? DEFAULT_POLICY.inf });
  } catch (error) {
    if (isTerminal(error)) return { rejection: rejectWith(error.code, error.message) };
    throw error;
  }
  // The rules' own day (DATE_IN_FUTURE never trusts the manifest's createdAt alone) and caps (MAX_INSTRUMENTS).
  const context: InspectionContext = {
    today: deps.now().toISOString().slice(0, 10),
    limits: { maxInstruments: deps.config.maxInstruments },
  };
  if (manifest.kind !== 'factors') {
    const inspector = new BatchInspector(manifest, policy, context);
    return { layout: { kind: 'calendar' }, policy, inspector };
  }
  const { start } = manifest.dateRange;
  const choice = await chooseCalendar(deps.pool, entry?.calendar ?? null);
  const calendar = choice.kind === 'chosen' ? choice.calendar : undefined;
  if (calendar !== undefined) {
    const { days } = await calendarDays(deps.pool, calendar);
    if (days.length > 0) context.calendar = new CalendarSpan(days);
  }
  if (choice.kind === 'ambiguous') context.ambiguousCalendars = choice.calendars;
  const before = await previousDay(deps.pool, manifest.dataset, start);
  if (before !== undefined) context.previousDay = before;
  const layout: CsvLayout = { kind: 'factors', columns: manifest.columns };
  const inspection: Inspection = { layout, policy, inspector: new BatchInspector(manifest, policy, context) };
  if (calendar !== undefined) inspection.calendar = calendar;
  return inspection;
}

/**
 * Trading days as the calendar rule sees them: only dates inside the span the calendar covers are judged.
 * A date after the calendar's last day is not known to be off-calendar (the calendar may just not be pushed yet).
 */
export class CalendarSpan extends Set<string> {
  private readonly first: string;
  private readonly last: string;

  /** `days` sorted ascending, at least one. */
  constructor(days: readonly string[]) {
    super(days);
    this.first = days[0] ?? '';
    this.last = days[days.length - 1] ?? '';
  }

  override has(date: string): boolean {
    return date < this.first || date > this.last || super.has(date);
  }
}
