import { CronExpressionParser } from 'cron-parser';
import { TerminalError } from '../../core/errors.js';

/**
 * FC timer trigger schedules (https://help.aliyun.com/document_detail/171746.html):
 * a 6-field cron `Seconds Minutes Hours Day-of-month Month Day-of-week`, evaluated in UTC unless
 * prefixed with `CRON_TZ=<IANA zone> `, or `@every <n>(h|m|s)` (Go-style, e.g. `@every 1h30m`).
 */
export interface Schedule {
  /** The first firing time strictly after `after`. */
  next(after: Date): Date;
}

const EVERY = /^@every\s+((?:\d+h)?(?:\d+m)?(?:\d+s)?)$/;
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000 };

/** Parse a timer trigger's cronExpression; a malformed one is a TerminalError (FC would refuse it). */
export function parseSchedule(expression: string): Schedule {
  const text = expression.trim();
  const every = EVERY.exec(text);
  if (every) return everySchedule(every[1] as string, expression);
  let tz = 'UTC';
  let cron = text;
  const zoned = /^CRON_TZ=(\S+)\s+(.*)$/.exec(text);
  if (zoned) {
    tz = zoned[1] as string;
    cron = zoned[2] as string;
    if (!isTimeZone(tz)) throw invalid(expression, `unknown time zone ${tz}`);
  }
  if (cron.split(/\s+/).length !== 6) {
    throw invalid(expression, 'FC cron has 6 fields: seconds minutes hours day-of-month month day-of-week');
  }
  try {
    CronExpressionParser.parse(cron, { tz, currentDate: new Date(0) });
  } catch (cause) {
    throw invalid(expression, (cause as Error).message, cause);
  }
  return {
    next: (after) => CronExpressionParser.parse(cron, { tz, currentDate: after }).next().toDate(),
  };
}

function everySchedule(spec: string, expression: string): Schedule {
  let ms = 0;
  for (const [, n, unit] of spec.matchAll(/(\d+)([hms])/g)) ms += Number(n) * (UNIT_MS[unit as string] ?? 0);
  if (ms <= 0) throw invalid(expression, '@every needs a positive duration such as 5m');
  return { next: (after) => new Date(after.getTime() + ms) };
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function invalid(expression: string, why: string, cause?: unknown): TerminalError {
  return new TerminalError('FC_CRON_INVALID', `cronExpression '${expression}': ${why}`, { cause });
}
