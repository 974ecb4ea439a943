import { canonicalInstrument, featureDirName, instrumentOfFeatureDir } from '../../core/csv/index.js';
import { TerminalError } from '../../core/errors.js';
import { columnKey, isColumnName } from '../../core/identifiers.js';
import { type IndexRange, lowerBound, mergeRanges, upperIndex } from './index-ranges.js';
import { type Intervals, readInstruments } from './qlib-dir.js';

/** Which instruments: a market's instruments file, or an explicit list of codes. */
export type InstrumentSelection = { market: string } | { instruments: string[] };

export interface PlannedInstrument {
  symbol: string;
  dir: string | undefined;
  /** Membership (market) as calendar index ranges; undefined: coverage of the files (explicit list). */
  memberships: IndexRange[] | undefined;
}

/**
 * The instruments a batch reads: a market file's symbols with their membership (and, with
 * `includeUnlisted` on market `all`, every feature directory it leaves out, its rows chosen by its files
 * like an explicit list's), or an explicit list of codes, each with its feature directory when there is one.
 */
export function planInstruments(
  options: { root: string; selection: InstrumentSelection; includeUnlisted?: boolean },
  calendar: string[],
  dirs: Map<string, string>,
  /** The market's instruments file, when the caller has read it already. */
  marketFile?: Map<string, Intervals>,
): PlannedInstrument[] {
  const selection = options.selection;
  if ('market' in selection) {
    const table = marketFile ?? readInstruments(options.root, selection.market);
    const listed: PlannedInstrument[] = [...table.keys()].map((symbol) => ({
      symbol,
      dir: dirs.get(featureDirName(symbol)),
      memberships: mergeRanges(
        (table.get(symbol) ?? []).map(([a, b]) => [lowerBound(calendar, a), upperIndex(calendar, b)]),
      ),
    }));
    const extra = options.includeUnlisted ? unlistedDirs(table, dirs) : [];
    const unlisted = extra.map((name) => ({
      symbol: instrumentOfFeatureDir(name),
      dir: dirs.get(name),
      memberships: undefined,
    }));
    return [...listed, ...unlisted].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
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

/** Feature directories (lower-case names) whose instrument the market file does not list. */
export function unlistedDirs(
  table: ReadonlyMap<string, unknown>,
  dirs: ReadonlyMap<string, string>,
): string[] {
  const listed = new Set([...table.keys()].map(featureDirName));
  return [...dirs.keys()].filter((name) => !listed.has(name)).sort();
}

/** Field names must be column names, each once (the command line checks them first, as usage errors). */
export function checkFields(fields: string[]): void {
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
