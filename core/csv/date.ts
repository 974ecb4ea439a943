/**
 * `YYYY-MM-DD` dates as the payload spells them: a real Gregorian date within MySQL DATE's supported range
 * 1000-01-01 … 9999-12-31 (https://dev.mysql.com/doc/refman/8.0/en/datetime.html), so 2023-02-29 and
 * 0999-12-31 are refused here rather than by the database.
 */

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** True when `s` is exactly `YYYY-MM-DD` and names a real date in 1000…9999. */
export function isValidDate(s: string): boolean {
  if (s.length !== 10) return false;
  const codes = new Uint8Array(10);
  for (let i = 0; i < 10; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return false;
    codes[i] = c;
  }
  return isValidDateBytes(codes, 0, 10);
}

/** Same rule over bytes `buf[start..end)`, without building a string (the parser's hot path). */
export function isValidDateBytes(buf: Uint8Array, start: number, end: number): boolean {
  if (end - start !== 10 || buf[start + 4] !== 0x2d || buf[start + 7] !== 0x2d) return false;
  const year = digits(buf, start, 4);
  const month = digits(buf, start + 5, 2);
  const day = digits(buf, start + 8, 2);
  if (year < 1000 || month < 1 || month > 12 || day < 1) return false;
  return day <= daysInMonth(year, month);
}

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return DAYS_IN_MONTH[month]!;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return leap ? 29 : 28;
}

/** Value of `count` ASCII digits at `start`, or -1 when any byte is not a digit. */
function digits(buf: Uint8Array, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/**
 * The date text of a parsed row. Rows of a payload come grouped by date, so the string of the previous
 * row is reused while the 10 bytes are the same: no string is built per row.
 */
export class DateTextCache {
  private readonly bytes = Buffer.alloc(10);
  private text = '';

  /** The 10 bytes at `start` as a string (the caller has validated them). */
  read(buf: Buffer, start: number): string {
    if (buf.compare(this.bytes, 0, 10, start, start + 10) !== 0) {
      buf.copy(this.bytes, 0, start, start + 10);
      this.text = this.bytes.toString('latin1', 0, 10);
    }
    return this.text;
  }
}
