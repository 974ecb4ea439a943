import { isValidInstrument } from '../../core/csv/index.js';
import { TerminalError } from '../../core/errors.js';
import type { SentTracker } from '../sent/tracker.js';
import type { WarmReaders } from './bin-reader-pool.js';
import { clipRanges, type IndexRange, lowerBound, mergeRanges, upperIndex } from './index-ranges.js';
import { ProviderNotices } from './provider-notices.js';
import {
  checkFields,
  type InstrumentSelection,
  type PlannedInstrument,
  planInstruments,
} from './provider-plan.js';
import { checkProviderDir, featureDirs, readCalendar, readInstruments } from './qlib-dir.js';
import {
  createSeriesReader,
  type InstrumentRead,
  ReadAhead,
  readAheadDepth,
  startReaders,
} from './series-reader.js';
import type { FactorSource, RowBlock, SourceProblem } from './source.js';

export type { InstrumentSelection } from './provider-plan.js';

export interface ProviderOptions {
  root: string;
  dataset: string;
  /** Field names as given; they become the column names (float32). */
  fields: string[];
  selection: InstrumentSelection;
  /** With `market: 'all'`: also every feature directory the market file does not list (ETFs, say). */
  includeUnlisted?: boolean;
  /** Inclusive; default the whole calendar. */
  start?: string;
  end?: string;
  /** Reader threads for the feature files (0: this thread); default by the number of files. */
  readers?: number;
  /** Compares what is read with the record of what was sent (since-last.ts); made once the range is known. */
  track?: (context: { calendar: string[]; first: number; last: number }) => SentTracker;
}

/**
 * A factors batch from a qlib provider directory, streamed one instrument at a time.
 * Rows: with a market, every (date, instrument) inside one of the instrument's membership intervals in
 * instruments/<market>.txt; with an explicit list, every date on which at least one of the requested
 * field files of the instrument has a value slot (its [start, start+n-1] span). Both cut to the date range.
 * A missing field file, or a date outside a file's span, is NULL; an instrument without any of the
 * requested files, or a feature directory the market file leaves out, is a notice (provider-notices.ts).
 */
export function openProviderSource(options: ProviderOptions): FactorSource & { tracker?: SentTracker } {
  checkProviderDir(options.root);
  checkFields(options.fields);
  const calendar = readCalendar(options.root);
  const first = options.start === undefined ? 0 : lowerBound(calendar, options.start);
  const last = options.end === undefined ? calendar.length - 1 : upperIndex(calendar, options.end);
  const dirs = featureDirs(options.root);
  const warm = warmReaders(options, dirs.size);
  const { plan, notices, tracker } = closingOnError(warm, () => {
    // Read once: the plan takes the market's instruments, and with market `all` the notices too.
    const { selection } = options;
    const listed = 'market' in selection ? readInstruments(options.root, selection.market) : undefined;
    const plan = planInstruments(options, calendar, dirs, listed);
    const notices = new ProviderNotices(options, plan, dirs, listed);
    return { plan, notices, tracker: options.track?.({ calendar, first, last }) };
  });
  const columns = options.fields.map((name) => ({ name, type: 'float32' as const }));
  const source: FactorSource & { tracker?: SentTracker } = {
    kind: 'factors',
    dataset: options.dataset,
    sourcePath: options.root,
    columns,
    calendar: new Set(calendar),
    instrumentCount: plan.length,
    blocks: (report) => readBlocks({ plan, options, calendar, first, last, notices, tracker, warm }, report),
    notices: () => notices.list(),
  };
  if (tracker !== undefined) source.tracker = tracker;
  if (first <= last) source.dateRange = { start: calendar[first] as string, end: calendar[last] as string };
  else source.dateRange = { start: options.start ?? calendar[0]!, end: options.end ?? calendar.at(-1)! };
  return source;
}

interface Pass {
  plan: PlannedInstrument[];
  options: ProviderOptions;
  calendar: string[];
  first: number;
  last: number;
  notices: ProviderNotices;
  tracker: SentTracker | undefined;
  /** Reader threads started while the instruments were planned; the first pass takes them. */
  warm: WarmReaders | undefined;
}

/** `plan()`, closing the warm threads if it throws (a bad market file, say). */
function closingOnError<T>(warm: WarmReaders | undefined, plan: () => T): T {
  try {
    return plan();
  } catch (error) {
    void warm?.take()?.close();
    throw error;
  }
}

/**
 * Reader threads, started now when the build will read enough files to use them (a market's instruments are
 * at most its feature directories): they come up while the instruments are planned.
 */
function warmReaders(options: ProviderOptions, dirs: number): WarmReaders | undefined {
  const { selection, fields } = options;
  const instruments = 'instruments' in selection ? selection.instruments.length : dirs;
  return startReaders(fields, instruments * fields.length, options.readers);
}

async function* readBlocks(pass: Pass, report: (problem: SourceProblem) => void): AsyncIterable<RowBlock> {
  const { options, calendar, first, last, tracker } = pass;
  if (first > last && tracker === undefined) {
    void pass.warm?.take()?.close();
    return;
  }
  const fields = options.fields;
  // With a market the rows are known before any file is read: instruments outside the range are skipped
  // (the tracker also reads those with rows among the dates already sent).
  const scanFrom = tracker?.scanFrom() ?? first;
  const wanted = pass.plan
    .map((instrument) => ({
      instrument,
      members: instrument.memberships && clipRanges(instrument.memberships, first, last),
    }))
    .filter(
      ({ instrument }) =>
        validSymbol(instrument.symbol, report) &&
        (instrument.memberships === undefined ||
          clipRanges(instrument.memberships, scanFrom, last).length > 0),
    );
  const window = { first, count: Math.max(0, last - first + 1), calendarLength: calendar.length };
  const reader = createSeriesReader(
    fields,
    window,
    wanted.length * fields.length,
    options.readers,
    pass.warm,
  );
  const ahead = new ReadAhead(wanted.length, readAheadDepth(fields.length, window.count), (i) => {
    const symbol = wanted[i]?.instrument.symbol as string;
    return reader.read(wanted[i]?.instrument.dir, tracker?.request(symbol));
  });
  const found = new Set<number>();
  let withData = 0;
  try {
    for (const [i, { instrument, members }] of wanted.entries()) {
      const read = await ahead.at(i);
      if (instrument.dir !== undefined) withData += 1;
      if (found.size < fields.length) for (let c = 0; c < fields.length; c++) if (read.has(c)) found.add(c);
      tracker?.observe(instrument.symbol, instrument.memberships ?? spansOf(read), read);
      const ranges = members ?? clipRanges(read.coverage(), first, last);
      if (ranges.length === 0) continue;
      pass.notices.observe(instrument, read);
      yield assemble(instrument.symbol, ranges, read, calendar, fields.length);
    }
  } finally {
    await reader.close();
  }
  const never = fields.filter((_, c) => !found.has(c));
  if (withData > 0 && never.length > 0 && first <= last) {
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

/** The rows of an instrument chosen by its files: where any requested file has a value slot. */
function spansOf(read: InstrumentRead): IndexRange[] {
  return mergeRanges(read.spans.filter((s): s is [number, number] => s !== undefined));
}

/** The instrument's rows in `ranges` (inside the window read), `width` values each. */
function assemble(
  symbol: string,
  ranges: IndexRange[],
  read: InstrumentRead,
  calendar: string[],
  width: number,
): RowBlock {
  const rows = ranges.reduce((n, [a, b]) => n + b - a + 1, 0);
  const values = new Float32Array(rows * width);
  const dates: string[] = [];
  for (const [a, b] of ranges) {
    for (let d = a; d <= b; d++) {
      read.copyRow(d, values, dates.length * width);
      dates.push(calendar[d] as string);
    }
  }
  return { instrument: symbol, dates, values };
}
