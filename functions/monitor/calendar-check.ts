import { openIncidents } from '../../adapters/warehouse/incident-queries.js';
import type { IncidentFinding } from '../../core/incident-message.js';
import { incidentKey, type Verdict } from '../../core/incidents.js';
import { deadlines, type Sla, todayIn } from '../../core/sla.js';
import { addDays } from '../../core/zoned-time.js';
import type { RunContext } from './run-context.js';

/**
 * A dataset the monitor cannot judge: no calendar named, several loaded, or the named one not loaded. Keyed
 * (calendar, dataset, none); resolved once a calendar is found.
 */
export function noCalendarFinding(
  dataset: string,
  calendar: string | undefined,
  verdict: Verdict,
  loaded: readonly string[],
): IncidentFinding {
  const why =
    calendar !== undefined
      ? `calendar ${calendar} is not loaded`
      : loaded.length === 0
        ? 'no trading calendar is loaded'
        : `several calendars are loaded (${loaded.join(', ')}) and none is named for it`;
  return {
    check: 'calendar',
    subject: dataset,
    key: incidentKey('calendar', dataset, 'none'),
    verdict,
    dataset,
    code: 'CALENDAR_MISSING',
    headline:
      verdict === 'ok'
        ? `${dataset} has a trading calendar again (${calendar})`
        : `${dataset} cannot be judged for freshness: ${why}`,
    what: [`freshness is judged by trading days; ${why}`],
    where: {
      calendars: 'SELECT calendar, MIN(trade_date), MAX(trade_date) FROM trading_calendar GROUP BY calendar',
    },
    todo: [
      'push the calendar: qlib-sync push <qlib dir> --from calendar --dataset <calendar name>',
      `name it for the dataset: npm run sla -- set ${dataset} --calendar <calendar name>`,
    ],
  };
}

/**
 * A calendar that has not been extended to today: after its last day, the monitor cannot tell whether a day is a
 * trading day, so lateness cannot be judged. Raised (warn, never error: it is the monitor's knowledge that is
 * missing) at the warn time of the latest weekday after the calendar's end, keyed by that end, and resolved once
 * the calendar reaches further. Weekends alone are no gap; a holiday weekday is one unless the calendar was pushed
 * ahead (qlib's calendars/day_future.txt).
 */
export async function checkCalendarCoverage(
  run: RunContext,
  calendar: string,
  last: string,
  sla: Sla,
): Promise<void> {
  const today = todayIn(sla, run.now);
  const gap: string[] = [];
  for (let day = addDays(last, 1); day <= today; day = addDays(day, 1)) {
    const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
    if (weekday >= 1 && weekday <= 5) gap.push(day);
  }
  const latest = gap.at(-1);
  const stale = latest !== undefined && run.now.getTime() >= deadlines(sla, latest).warn.getTime();
  const figures = { calendar, lastDay: last, today, weekdaysAfter: gap };
  await run.evaluate(
    {
      check: 'calendar',
      subject: calendar,
      outcome: stale ? 'warn' : latest === undefined ? 'ok' : 'pending',
      figures,
    },
    stale ? staleFinding(calendar, last, gap, sla, 'warn') : undefined,
  );
  // Incidents about an earlier end of this calendar are over once the calendar reaches further.
  const open = await openIncidents(run.deps.pool, ['calendar']);
  for (const incident of open.filter((i) => i.subject === calendar)) {
    const endedAt = incident.key.split('|')[2] ?? '';
    if (endedAt !== 'none' && endedAt < last) {
      await run.evaluate(
        { check: 'calendar', subject: calendar, outcome: 'ok', figures },
        staleFinding(calendar, endedAt, [], sla, 'ok', last),
      );
    }
  }
}

function staleFinding(
  calendar: string,
  last: string,
  gap: readonly string[],
  sla: Sla,
  verdict: Verdict,
  extendedTo?: string,
): IncidentFinding {
  return {
    check: 'calendar',
    subject: calendar,
    key: incidentKey('calendar', calendar, last),
    verdict,
    code: 'CALENDAR_STALE',
    headline:
      verdict === 'ok'
        ? `calendar ${calendar} extended to ${extendedTo} (it ended at ${last})`
        : `calendar ${calendar} not extended past ${last}: cannot tell whether ${gap.join(', ')} ${gap.length === 1 ? 'is a trading day' : 'are trading days'}`,
    what: [
      `the trading calendar ${calendar} ends at ${last}; it is ${sla.warnAfter} (${sla.timeZone}) on ${gap.at(-1) ?? last}`,
      'datasets judged by this calendar cannot be reported late for days after its end',
    ],
    where: { calendar: `SELECT MAX(trade_date) FROM trading_calendar WHERE calendar = '${calendar}'` },
    todo: [
      `push the calendar with the day's data: qlib-sync push <qlib dir> --from calendar --dataset ${calendar}`,
      'or push it ahead (qlib calendars/day_future.txt) so holidays are known in advance',
    ],
  };
}
