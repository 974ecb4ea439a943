import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binBytes, littleEndian } from './qlib-bin.js';
import { fieldValue, priceSeries, suspension } from './qlib-values.js';
import { createRandom, normal } from './seeded-random.js';

export { readBin, writeBin } from './qlib-bin.js';
export { createRandom, normal } from './seeded-random.js';

/**
 * A generator of synthetic but realistic qlib provider directories (microsoft/qlib scripts/dump_bin.py), shared by the
 * agent tests, the bench and the demo. Deterministic: the same options give byte-identical files.
 *
 *   calendars/day.txt                    business days, one `YYYY-MM-DD` per line
 *   instruments/all.txt                  SYMBOL \t listed \t delisted (one line each)
 *   instruments/<market>.txt             several membership intervals per symbol (several lines)
 *   features/<symbol lower>/<field>.day.bin   little-endian float32: [start index, values…]
 *
 * Instruments list on different days, some delist before the end, some are suspended for a few days
 * (NaN across every field), single values are NaN at random, a few (instrument, field) files are missing,
 * and a few feature directories are written upper-case (qlib writes lower; the agent must find both).
 */

export const DEFAULT_FIELDS = ['open', 'close', 'high', 'low', 'volume', 'factor'] as const;

/** Alpha158's 158 feature names in qlib's order (microsoft/qlib qlib/contrib/data/handler.py). */
export const ALPHA158_FIELDS: readonly string[] = [
  ...['KMID', 'KLEN', 'KMID2', 'KUP', 'KUP2', 'KLOW', 'KLOW2', 'KSFT', 'KSFT2'],
  ...['OPEN0', 'HIGH0', 'LOW0', 'VWAP0'],
  ...['ROC', 'MA', 'STD', 'BETA', 'RSQR', 'RESI', 'MAX', 'MIN', 'QTLU', 'QTLD', 'RANK', 'RSV', 'IMAX', 'IMIN']
    .concat(['IMXD', 'CORR', 'CORD', 'CNTP', 'CNTN', 'CNTD', 'SUMP', 'SUMN', 'SUMD', 'VMA', 'VSTD', 'WVMA'])
    .concat(['VSUMP', 'VSUMN', 'VSUMD'])
    .flatMap((op) => [5, 10, 20, 30, 60].map((w) => `${op}${w}`)),
];

export interface QlibFixtureOptions {
  /** Directory to write into (created). */
  root: string;
  seed?: number;
  /** First calendar day (moved forward to a Monday–Friday) and the number of trading days. */
  start?: string;
  days: number;
  instruments: number;
  fields?: readonly string[];
  /** Name of the index file besides all.txt. Default csi300. */
  market?: string;
  /** Share of single NaN values. Default 0.02. */
  nanRate?: number;
  /** Share of (instrument, field) files left out. Default 0.01. */
  missingFileRate?: number;
  /** Share of feature directories written upper-case. Default 0.05. */
  upperCaseRate?: number;
  /** Realistic but slow per-field generators (prices, volume); false gives normal(0,1)·10^k values. */
  realistic?: boolean;
}

export interface FixtureInstrument {
  symbol: string;
  /** Calendar indexes, inclusive: the span the .bin files cover. */
  listed: number;
  delisted: number;
  /** Membership intervals in the market file (calendar indexes, inclusive, sorted, disjoint). */
  memberships: [number, number][];
  featureDir: string;
  missingFields: string[];
}

export interface QlibFixture {
  root: string;
  calendar: string[];
  fields: string[];
  market: string;
  instruments: FixtureInstrument[];
}

/** Write a provider directory and describe what was written. */
export function generateQlibDir(options: QlibFixtureOptions): QlibFixture {
  const random = createRandom(options.seed ?? 42);
  const fields = [...(options.fields ?? DEFAULT_FIELDS)];
  const calendar = businessDays(options.start ?? '2024-01-02', options.days);
  const market = options.market ?? 'csi300';
  const instruments: FixtureInstrument[] = [];
  for (let i = 0; i < options.instruments; i++) {
    instruments.push(planInstrument(i, calendar.length, fields, options, random));
  }
  mkdirSync(join(options.root, 'calendars'), { recursive: true });
  mkdirSync(join(options.root, 'instruments'), { recursive: true });
  writeFileSync(join(options.root, 'calendars', 'day.txt'), `${calendar.join('\n')}\n`);
  writeInstrumentFiles(options.root, market, calendar, instruments);
  for (const instrument of instruments) {
    writeFeatures(options.root, instrument, fields, options, random);
  }
  return { root: options.root, calendar, fields, market, instruments };
}

/**
 * Extend a fixture by `count` trading days the way qlib's dump_update does: calendars/day.txt first, then
 * every .bin of the instruments still listed (appended), then the instruments files last.
 */
export function appendDays(fixture: QlibFixture, count: number, seed = 1): string[] {
  const random = createRandom(seed);
  const last = fixture.calendar.length - 1;
  const next = businessDays(fixture.calendar[last] as string, count + 1).slice(1);
  fixture.calendar.push(...next);
  writeFileSync(join(fixture.root, 'calendars', 'day.txt'), `${fixture.calendar.join('\n')}\n`);
  for (const instrument of fixture.instruments) {
    if (instrument.delisted !== last) continue;
    for (const field of fixture.fields) {
      const path = join(fixture.root, 'features', instrument.featureDir, `${field.toLowerCase()}.day.bin`);
      if (!existsSync(path)) continue;
      const values = Array.from({ length: count }, () => Math.fround(50 + normal(random)));
      appendFileSync(path, littleEndian(Float32Array.from(values)));
    }
    instrument.delisted = last + count;
    const membership = instrument.memberships.at(-1);
    if (membership !== undefined && membership[1] === last) membership[1] = last + count;
  }
  writeInstrumentFiles(fixture.root, fixture.market, fixture.calendar, fixture.instruments);
  return next;
}

/** `count` Monday–Friday dates from `start` on (no holidays: a synthetic exchange). */
export function businessDays(start: string, count: number): string[] {
  const out: string[] = [];
  const day = new Date(`${start}T00:00:00Z`);
  while (out.length < count) {
    const weekday = day.getUTCDay();
    if (weekday !== 0 && weekday !== 6) out.push(day.toISOString().slice(0, 10));
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return out;
}

/** Symbols like SH600000 / SZ000001, unique per index. */
export function symbolOf(i: number): string {
  return i % 2 === 0 ? `SH${600000 + i}` : `SZ${String(i).padStart(6, '0')}`;
}

function planInstrument(
  i: number,
  days: number,
  fields: string[],
  options: QlibFixtureOptions,
  random: () => number,
): FixtureInstrument {
  const symbol = symbolOf(i);
  // A third list after the start, a tenth delist before the end.
  const listed = random() < 0.33 ? Math.floor(random() * days * 0.5) : 0;
  const delisted =
    random() < 0.1 ? Math.min(days - 1, listed + Math.floor(random() * (days - listed))) : days - 1;
  // Index membership is mostly stable: three in four stay in from listing to delisting, the rest leave
  // once for a few days and come back (several lines per symbol in the market file).
  const memberships: [number, number][] = [];
  if (random() < 0.75 || delisted - listed < 10) memberships.push([listed, delisted]);
  else {
    const out = listed + 1 + Math.floor(random() * (delisted - listed - 8));
    memberships.push([listed, out], [out + 2 + Math.floor(random() * 5), delisted]);
  }
  const missingRate = options.missingFileRate ?? 0.01;
  const missingFields = fields.filter(() => random() < missingRate);
  const upper = random() < (options.upperCaseRate ?? 0.05);
  return {
    symbol,
    listed,
    delisted,
    memberships,
    featureDir: upper ? symbol.toUpperCase() : symbol.toLowerCase(),
    missingFields,
  };
}

function writeInstrumentFiles(
  root: string,
  market: string,
  calendar: string[],
  instruments: FixtureInstrument[],
): void {
  const all = instruments.map((s) => `${s.symbol}\t${calendar[s.listed]}\t${calendar[s.delisted]}`);
  writeFileSync(join(root, 'instruments', 'all.txt'), `${all.join('\n')}\n`);
  const lines = instruments.flatMap((s) =>
    s.memberships.map(([a, b]) => `${s.symbol}\t${calendar[a]}\t${calendar[b]}`),
  );
  writeFileSync(join(root, 'instruments', `${market}.txt`), `${lines.join('\n')}\n`);
}

function writeFeatures(
  root: string,
  instrument: FixtureInstrument,
  fields: string[],
  options: QlibFixtureOptions,
  random: () => number,
): void {
  const dir = join(root, 'features', instrument.featureDir);
  mkdirSync(dir, { recursive: true });
  const length = instrument.delisted - instrument.listed + 1;
  const suspended = suspension(length, random);
  const nanRate = options.nanRate ?? 0.02;
  const series = options.realistic === false ? undefined : priceSeries(length, random);
  fields.forEach((field, f) => {
    if (instrument.missingFields.includes(field)) return;
    // 'factor' starts later for some instruments: a file whose coverage is shorter than the listing.
    const skip = field === 'factor' && random() < 0.2 ? Math.floor(random() * length) : 0;
    const values = new Float32Array(length - skip);
    for (let d = 0; d < values.length; d++) {
      const day = d + skip;
      const nan = suspended(day) || random() < nanRate;
      values[d] = nan ? Number.NaN : fieldValue(field, f, day, series, random);
    }
    writeFileSync(join(dir, `${field.toLowerCase()}.day.bin`), binBytes(instrument.listed + skip, values));
  });
}
