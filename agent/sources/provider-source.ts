import { canonicalInstrument, featureDirName, isValidInstrument } from '../../core/csv/index.js';
import { TerminalError } from '../../core/errors.js';
import { columnKey, isColumnName } from '../../core/identifiers.js';
import type { FeatureSeries } from './bin-file.js';
import { clipRanges, type IndexRange, lowerBound, mergeRanges, upperIndex } from './index-ranges.js';
import { checkProviderDir, featureDirs, readCalendar, readInstruments } from './qlib-dir.js';
import { createSeriesReader, ReadAhead } from './series-reader.js';
import type { FactorSource, RowBlock, SourceProblem } from './source.js';

/** Which instruments: a market's instruments file, or an explicit list of codes. */
export type InstrumentSelection = { market: string } | { instruments: string[] };

export interface ProviderOptions {
  root: string;
  dataset: string;
  /** Field names as given; they become the column names (float32). */
  fields: string[];
  selection: InstrumentSelection;
  /** Inclusive; default the whole calendar. */
  start?: string;
  end?: string;
  /** Reader threads for the feature files (0: this thread); default by the number of files. */
  readers?: number;
}

/**
 * A factors batch from a qlib provider directory, streamed one instrument at a time.
 * Rows: with a market, every (date, instrument) inside one of the instrument's membership intervals in
 * instruments/<market>.txt; with an explicit list, every date on which at least one of the requested
 * field files of the instrument has a value slot (its [start, start+n-1] span). Both cut to the date range.
 * A missing field file, or a date outside a file's span, is NULL.
 */
export function openProviderSource(options: ProviderOptions): FactorSource {
  checkProviderDir(options.root);
  checkFields(options.fields);
  const calendar = readCalendar(options.root);
  const first = options.start === undefined ? 0 : lowerBound(calendar, options.start);
  const last = options.end === undefined ? calendar.length - 1 : upperIndex(calendar, options.end);
  const dirs = featureDirs(options.root);
  const plan = planInstruments(options, calendar, dirs);
  const columns = options.fields.map((name) => ({ name, type: 'float32' as const }));
  const source: FactorSource = {
    kind: 'factors',
    dataset: options.dataset,
    sourcePath: options.root,
    columns,
    calendar: new Set(calendar),
    instrumentCount: plan.length,
    blocks: (report) => readBlocks(plan, options, calendar, first, last, report),
  };
  if (first <= last) source.dateRange = { start: calendar[first] as string, end: calendar[last] as string };
  else source.dateRange = { start: options.start ?? calendar[0]!, end: options.end ?? calendar.at(-1)! };
  return source;
}

interface PlannedInstrument {
  symbol: string;
  dir: string | undefined;
  /** Membership (market) as calendar index ranges; undefined: coverage of the files (explicit list). */
  memberships: IndexRange[] | undefined;
}

function planInstruments(
  options: ProviderOptions,
  calendar: string[],
  dirs: Map<string, string>,
): PlannedInstrument[] {
  const selection = options.selection;
  if ('market' in selection) {
    const table = readInstruments(options.root, selection.market);
    return [...table.keys()].sort().map((symbol) => ({
      symbol,
      dir: dirs.get(featureDirName(symbol)),
      memberships: mergeRanges(
        (table.get(symbol) ?? []).map(([a, b]) => [lowerBound(calendar, a), upperIndex(calendar, b)]),
      ),
    }));
  }
  // sh600000 and SH600000 are one instrument (core/csv canonicalInstrument): asked twice, read once.
  const symbols = [...new Set(selection.instruments.map(canonicalInstrument))].sort();
  const missing = symbols.filter((s) => !dirs.has(featureDirName(s)));
  if (missing.length > 0) {
    throw new TerminalError(
      'QLIB_INSTRUMENT_NOT_FOUND',
      `no feature directory under ${options.root}/features for: ${missing.slice(0, 10).join(', ')}`,
    );
  }
  return symbols.map((symbol) => ({ symbol, dir: dirs.get(featureDirName(symbol)), memberships: undefined }));
}

async function* readBlocks(
  plan: PlannedInstrument[],
  options: ProviderOptions,
  calendar: string[],
  first: number,
  last: number,
  report: (problem: SourceProblem) => void,
): AsyncIterable<RowBlock> {
  if (first > last) return;
  const fields = options.fields;
  // With a market the rows are known before any file is read: instruments outside the range are skipped.
  const wanted = plan
    .map((instrument) => ({
      instrument,
      members: instrument.memberships && clipRanges(instrument.memberships, first, last),
    }))
    .filter(
      ({ instrument, members }) =>
        validSymbol(instrument.symbol, report) && (members === undefined || members.length > 0),
    );
  const window = { first, count: last - first + 1, calendarLength: calendar.length };
  const reader = createSeriesReader(fields, window, wanted.length * fields.length, options.readers);
  const ahead = new ReadAhead(wanted.length, 64, (i) => reader.read(wanted[i]?.instrument.dir));
  const found = new Set<number>();
  let withData = 0;
  try {
    for (const [i, { instrument, members }] of wanted.entries()) {
      const series = await ahead.at(i);
      if (instrument.dir !== undefined) withData += 1;
      series.forEach((s, c) => {
        if (s !== undefined) found.add(c);
      });
      const ranges = members ?? clipRanges(coverage(series), first, last);
      if (ranges.length > 0) yield assemble(instrument.symbol, ranges, series, calendar, fields.length);
    }
  } finally {
    await reader.close();
  }
  const never = fields.filter((_, c) => !found.has(c));
  if (withData > 0 && never.length > 0) {
    throw new TerminalError(
      'QLIB_FIELD_NOT_FOUND',
      `no instrument has a feature file for field(s) ${never.join(', ')} (looked for <field>.day.bin)`,
    );
  }
}

function validSymbol(symbol: string, report: (problem: SourceProblem) => void): boolean {
  if (isValidInstrument(symbol)) return true;
  report({
    code: 'CSV_BAD_INSTRUMENT',
    message: 'instrument codes are 1-64 printable ASCII characters without , " or \\',
    value: symbol.slice(0, 80),
  });
  return false;
}

function coverage(series: (FeatureSeries | undefined)[]): IndexRange[] {
  const spans: IndexRange[] = [];
  for (const s of series)
    if (s !== undefined && s.values.length > 0) spans.push([s.start, s.start + s.values.length - 1]);
  return mergeRanges(spans);
}

function assemble(
  symbol: string,
  ranges: IndexRange[],
  series: (FeatureSeries | undefined)[],
  calendar: string[],
  width: number,
): RowBlock {
  const rows = ranges.reduce((n, [a, b]) => n + b - a + 1, 0);
  const values = new Float32Array(rows * width).fill(Number.NaN);
  const dates: string[] = [];
  let offset = 0;
  for (const [a, b] of ranges) {
    for (let d = a; d <= b; d++) dates.push(calendar[d] as string);
    series.forEach((s, c) => {
      if (s === undefined) return;
      const from = Math.max(a, s.start);
      const to = Math.min(b, s.start + s.values.length - 1);
      for (let d = from; d <= to; d++) values[(offset + d - a) * width + c] = s.values[d - s.start] as number;
    });
    offset += b - a + 1;
  }
  return { instrument: symbol, dates, values };
}

function checkFields(fields: string[]): void {
  if (fields.length === 0) throw new TerminalError('FIELDS_MISSING', 'name at least one field (--fields)');
  const seen = new Set<string>();
  for (const field of fields) {
    if (!isColumnName(field)) {
      throw new TerminalError(
        'FIELD_NAME_INVALID',
        `field "${field}" cannot be a column name: use letters, digits and _ (not starting with a digit), at most 64, not datetime/instrument`,
      );
    }
    if (seen.has(columnKey(field)))
      throw new TerminalError('FIELD_DUPLICATE', `field "${field}" is listed twice`);
    seen.add(columnKey(field));
  }
}
