/**
 * Wall-clock times in an IANA time zone, with Intl alone (pure: no clock is read). SLAs are written in the
 * exchange's zone ("17:00 Asia/Shanghai") and judged against UTC instants.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** The zone's wall clock at an instant, as if it were UTC (milliseconds). */
function wallClockMs(instant: Date, tz: string): number {
  const parts = Object.fromEntries(
    formatter(tz)
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  return Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
}

/** The zone's offset from UTC at an instant, in milliseconds (Asia/Shanghai: +8 h). */
export function zoneOffsetMs(instant: Date, tz: string): number {
  const whole = new Date(Math.floor(instant.getTime() / 1000) * 1000);
  return wallClockMs(whole, tz) - whole.getTime();
}

/** The instant when the zone's clock shows `day` (YYYY-MM-DD) plus `minutes` after its midnight. */
export function zonedInstant(day: string, minutes: number, tz: string): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d) + minutes * 60_000;
  // Two passes settle a DST boundary: the offset at the first guess may differ from the offset at the answer. A wall
  // time the zone skips (02:30 when clocks jump from 02:00 to 03:00) becomes the same time after the jump (03:30).
  const first = wall - zoneOffsetMs(new Date(wall), tz);
  const second = wall - zoneOffsetMs(new Date(first), tz);
  return new Date(wallClockMs(new Date(second), tz) === wall ? second : Math.max(first, second));
}

/** The zone's calendar date at an instant. */
export function localDay(instant: Date, tz: string): string {
  return new Date(wallClockMs(instant, tz)).toISOString().slice(0, 10);
}

/** `HH:MM` of the zone's clock at an instant. */
export function localTime(instant: Date, tz: string): string {
  return new Date(wallClockMs(instant, tz)).toISOString().slice(11, 16);
}

/** A day plus n days (YYYY-MM-DD arithmetic in UTC, no zone involved). */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** Whether Intl knows `tz` as a time zone (Asia/Shanghai, UTC). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
