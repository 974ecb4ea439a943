import * as z from 'zod';
import { TerminalError } from './errors.js';
import { checkWith } from './schema.js';
import { isTimeZone, localDay, zonedInstant } from './zoned-time.js';

/**
 * Freshness SLAs (docs/monitor.md): when a dataset's trading day T must be loaded. Each dataset inherits the
 * default ('*') and overrides what it sets: which calendar, the frequency (day; week or month: the last trading
 * day of each ISO week or month), the time zone, the due time, and when being late is a warning and an error.
 * Times are `HH:MM` on day T, or `HH:MM+Nd` for N days after T.
 */
export const FREQUENCIES = ['day', 'week', 'month'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

export interface Sla {
  dataset: string;
  enabled: boolean;
  /** the trading calendar; null: the dataset's registry calendar, else the only one loaded */
  calendar: string | null;
  frequency: Frequency;
  timeZone: string;
  due: string;
  warnAfter: string;
  errorAfter: string;
  /** robust z-score above which a day's figure is drift; null: drift is not checked */
  driftThreshold: number | null;
}

/** What one dataset (or '*') sets; null or absent inherits. */
export type SlaSettings = Partial<Omit<Sla, 'dataset'>>;

export const DEFAULT_DATASET = '*';

export const BUILT_IN_SLA: Omit<Sla, 'dataset'> = {
  enabled: true,
  calendar: null,
  frequency: 'day',
  timeZone: 'Asia/Shanghai',
  due: '17:00',
  warnAfter: '18:00',
  errorAfter: '20:00',
  driftThreshold: 3.5,
};

const TIME = /^([01]\d|2[0-3]):([0-5]\d)(?:\+(\d{1,2})d)?$/;

/** Minutes after midnight of day T that `HH:MM[+Nd]` names. */
export function offsetMinutes(time: string): number {
  const m = TIME.exec(time);
  if (m === null) throw new TerminalError('SLA_TIME', `${time} is not HH:MM or HH:MM+Nd`);
  return Number(m[3] ?? 0) * 1440 + Number(m[1]) * 60 + Number(m[2]);
}

const time = z.string().regex(TIME, 'must be HH:MM, or HH:MM+Nd for N days after the trading day');

/** The settings a person (CLI, API) may give; every problem is reported at once (core/schema.ts). */
export const SLA_SETTINGS_SCHEMA = z
  .object({
    enabled: z.boolean(),
    calendar: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,47}$/, 'must be a calendar name ([a-z][a-z0-9_]*)')
      .nullable(),
    frequency: z.enum(FREQUENCIES),
    timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Asia/Shanghai'),
    due: time,
    warnAfter: time,
    errorAfter: time,
    driftThreshold: z.number().positive('must be above 0 (or null: drift off)').nullable(),
  })
  .partial()
  .strict();

/** Read SLA settings from a boundary (CLI flags, an API body); throws a TerminalError listing every problem. */
export function parseSlaSettings(input: unknown): SlaSettings {
  const checked = checkWith(SLA_SETTINGS_SCHEMA, input, 'SLA');
  if (!checked.ok)
    throw new TerminalError('SLA_INVALID', 'invalid SLA settings', { problems: checked.problems });
  return checked.value;
}

/** A dataset's SLA: its own settings over the default's over the built-in ones; the times must be in order. */
export function effectiveSla(dataset: string, own: SlaSettings = {}, defaults: SlaSettings = {}): Sla {
  const pick = <K extends keyof SlaSettings>(k: K) =>
    (own[k] ?? defaults[k] ?? BUILT_IN_SLA[k]) as NonNullable<SlaSettings[K]>;
  const sla: Sla = {
    dataset,
    enabled: pick('enabled'),
    calendar: own.calendar ?? defaults.calendar ?? null,
    frequency: pick('frequency'),
    timeZone: pick('timeZone'),
    due: pick('due'),
    warnAfter: pick('warnAfter'),
    errorAfter: pick('errorAfter'),
    // null is a setting here (drift off), so only an absent value inherits.
    driftThreshold:
      own.driftThreshold !== undefined
        ? own.driftThreshold
        : defaults.driftThreshold !== undefined
          ? defaults.driftThreshold
          : BUILT_IN_SLA.driftThreshold,
  };
  return sla;
}

/** Problems with the order of the times (due ≤ warn ≤ error); empty when they are fine. */
export function slaOrderProblems(sla: Pick<Sla, 'due' | 'warnAfter' | 'errorAfter'>): string[] {
  const [due, warn, error] = [sla.due, sla.warnAfter, sla.errorAfter].map(offsetMinutes) as [
    number,
    number,
    number,
  ];
  const problems: string[] = [];
  if (warn < due) problems.push(`warn ${sla.warnAfter} is before due ${sla.due}`);
  if (error < warn) problems.push(`error ${sla.errorAfter} is before warn ${sla.warnAfter}`);
  return problems;
}

/** The instants of day T's deadlines in the SLA's zone. */
export function deadlines(sla: Sla, day: string): { due: Date; warn: Date; error: Date } {
  return {
    due: zonedInstant(day, offsetMinutes(sla.due), sla.timeZone),
    warn: zonedInstant(day, offsetMinutes(sla.warnAfter), sla.timeZone),
    error: zonedInstant(day, offsetMinutes(sla.errorAfter), sla.timeZone),
  };
}

/**
 * The trading days a dataset owes data for, up to `today`, from a calendar's days (sorted): every day, or the
 * last trading day of each ISO week / month. A period's last day is only known once the calendar has a later day
 * or the period is over: a calendar that stops mid-week does not make that day the week's due day.
 */
export function dueDays(days: readonly string[], frequency: Frequency, today: string): string[] {
  const upTo = days.filter((d) => d <= today);
  if (frequency === 'day') return upTo;
  const period = frequency === 'week' ? isoWeek : (d: string) => d.slice(0, 7);
  return upTo.filter((d) => {
    const next = days[days.indexOf(d) + 1];
    if (next !== undefined) return period(next) !== period(d);
    return period(today) !== period(d);
  });
}

/** `YYYY-Www` of a day (ISO 8601 week: weeks start on Monday, week 1 holds the year's first Thursday). */
export function isoWeek(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  const weekday = (date.getUTCDay() + 6) % 7; // Monday 0
  const thursday = new Date(date.getTime() + (3 - weekday) * 86_400_000);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The SLA's local date at an instant. */
export function todayIn(sla: Pick<Sla, 'timeZone'>, now: Date): string {
  return localDay(now, sla.timeZone);
}

/** A due trading day at an instant: loaded (ok), or by its deadlines pending, late (past due), warn or error. */
export type DayOutcome = 'ok' | 'pending' | 'late' | 'warn' | 'error';

/** The outcome of trading day T at `now` (the monitor's freshness check and the API's SLA state share it). */
export function dayOutcome(sla: Sla, day: string, loaded: boolean, now: Date): DayOutcome {
  if (loaded) return 'ok';
  const d = deadlines(sla, day);
  const t = now.getTime();
  if (t < d.due.getTime()) return 'pending';
  if (t < d.warn.getTime()) return 'late';
  return t < d.error.getTime() ? 'warn' : 'error';
}

/** A dataset's SLA state: its worst due day; every day in is on time, a day not due yet is not due. */
export type SlaState = 'on_time' | 'not_due' | 'late' | 'warn' | 'error';

const STATE_OF: Record<DayOutcome, SlaState> = {
  ok: 'on_time',
  pending: 'not_due',
  late: 'late',
  warn: 'warn',
  error: 'error',
};
const RANK: readonly DayOutcome[] = ['ok', 'pending', 'late', 'warn', 'error'];

/** The worst of some days' outcomes as a state (no due day at all: on time). */
export function slaStateOf(outcomes: readonly DayOutcome[]): SlaState {
  const worst = outcomes.reduce<DayOutcome>((w, o) => (RANK.indexOf(o) > RANK.indexOf(w) ? o : w), 'ok');
  return STATE_OF[worst];
}
