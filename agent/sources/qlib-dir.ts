import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalInstrument, isValidDate } from '../../core/csv/index.js';
import { TerminalError } from '../../core/errors.js';

/**
 * The parts of a qlib provider directory the agent reads (microsoft/qlib scripts/dump_bin.py):
 * calendars/day.txt and instruments/<market>.txt. Timestamps `YYYY-MM-DD HH:MM:SS` are cut to the date:
 * the agent moves daily data only.
 */

/** Membership intervals of one instrument, as inclusive date strings. */
export type Intervals = [start: string, end: string][];

/** Throws QLIB_DIR_NOT_FOUND unless `root` is a directory with calendars/day.txt. */
export function checkProviderDir(root: string): void {
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new TerminalError('QLIB_DIR_NOT_FOUND', `qlib directory ${root} does not exist`);
  }
  if (!existsSync(join(root, 'calendars', 'day.txt'))) {
    throw new TerminalError(
      'QLIB_DIR_NOT_FOUND',
      `${root} is not a qlib provider directory: ${join(root, 'calendars', 'day.txt')} is missing`,
    );
  }
}

/** calendars/day.txt: strictly increasing real dates. */
export function readCalendar(root: string): string[] {
  const path = join(root, 'calendars', 'day.txt');
  const dates: string[] = [];
  lines(path).forEach(({ text, line }) => {
    const date = text.slice(0, 10);
    if (!isValidDate(date)) throw badLine('QLIB_CALENDAR', path, line, `"${text}" is not a date`);
    const previous = dates[dates.length - 1];
    if (previous !== undefined && date <= previous) {
      throw badLine('QLIB_CALENDAR', path, line, `${date} does not come after ${previous}`);
    }
    dates.push(date);
  });
  if (dates.length === 0) throw new TerminalError('QLIB_CALENDAR', `${path} has no dates`);
  return dates;
}

/** instruments/<market>.txt: SYMBOL \t start \t end per line, several lines per symbol allowed; symbols canonical. */
export function readInstruments(root: string, market: string): Map<string, Intervals> {
  const path = join(root, 'instruments', `${market}.txt`);
  if (!/^[A-Za-z0-9_.-]+$/.test(market) || !existsSync(path)) {
    const known = listMarkets(root);
    throw new TerminalError(
      'QLIB_MARKET_NOT_FOUND',
      `no instruments file for market "${market}" (${path}); known markets: ${known.join(', ') || 'none'}`,
    );
  }
  const out = new Map<string, Intervals>();
  for (const { text, line } of lines(path)) {
    const parts = text.split('\t');
    if (parts.length !== 3)
      throw badLine('QLIB_INSTRUMENTS', path, line, 'expected SYMBOL<TAB>start<TAB>end');
    const [raw, from, to] = parts.map((p) => p.trim()) as [string, string, string];
    // qlib writes symbols upper-case; another spelling of one code is the same instrument (canonicalInstrument).
    const symbol = canonicalInstrument(raw);
    const start = from.slice(0, 10);
    const end = to.slice(0, 10);
    if (!isValidDate(start) || !isValidDate(end) || start > end) {
      throw badLine('QLIB_INSTRUMENTS', path, line, `bad interval ${from} .. ${to}`);
    }
    const list = out.get(symbol) ?? [];
    list.push([start, end]);
    out.set(symbol, list);
  }
  return out;
}

/** Market names with an instruments file. */
export function listMarkets(root: string): string[] {
  try {
    return readdirSync(join(root, 'instruments'))
      .filter((f) => f.endsWith('.txt'))
      .map((f) => f.slice(0, -4))
      .sort();
  } catch {
    return [];
  }
}

/**
 * Feature directories by lower-case name: qlib writes `features/<code lower>/`, older dumps and other tools
 * upper-case; check_data_health.py flags the latter, we read both.
 */
export function featureDirs(root: string): Map<string, string> {
  const base = join(root, 'features');
  const out = new Map<string, string>();
  let names: string[] = [];
  try {
    names = readdirSync(base);
  } catch {
    return out;
  }
  for (const name of names) {
    const key = name.toLowerCase();
    // When both spellings exist, prefer qlib's own (lower-case).
    if (!out.has(key) || name === key) out.set(key, join(base, name));
  }
  return out;
}

function lines(path: string): { text: string; line: number }[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((raw, i) => ({ text: raw.replace(/\r$/, '').trim(), line: i + 1 }))
    .filter((l) => l.text !== '');
}

function badLine(code: string, path: string, line: number, why: string): TerminalError {
  return new TerminalError(code, `${path} line ${line}: ${why}`, { details: { path, line } });
}
