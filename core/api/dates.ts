/** Calendar-day arithmetic on `YYYY-MM-DD` (UTC, no clock). */
export function addDays(day: string, n: number): string {
  const t = Date.parse(`${day}T00:00:00Z`) + n * 86_400_000;
  if (!Number.isFinite(t)) return n < 0 ? '0000-01-01' : '9999-12-31';
  const out = new Date(t).toISOString().slice(0, 10);
  return out > '9999-12-31' ? '9999-12-31' : out;
}

/**
 * The calendar span that holds `tradingDays` trading days: five in a week, plus a cushion for a holiday or two
 * (a date window that turns out short only costs one more window).
 */
export function spanForTradingDays(tradingDays: number): number {
  return Math.ceil((Math.max(1, tradingDays) * 7) / 5) + 2;
}

/** The earlier of two days. */
export function minDay(a: string, b: string): string {
  return a < b ? a : b;
}
