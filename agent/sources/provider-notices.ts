import type { PlannedInstrument } from './provider-plan.js';
import { unlistedDirs } from './provider-plan.js';
import { readInstruments } from './qlib-dir.js';
import type { InstrumentRead } from './series-reader.js';
import type { SourceNotice } from './source.js';

const EXAMPLES = 5;

/**
 * What a provider batch should tell a person besides its rows:
 * - QLIB_NO_FEATURE_FILES: instruments the market file lists for the batch's dates that have none of the
 *   requested field files (an empty feature directory, or none): their rows go up all NULL;
 * - QLIB_UNLISTED_INSTRUMENTS: with `--market all`, feature directories instruments/all.txt does not list
 *   (qlib's collectors often leave ETFs and indices out of it): not pushed unless --include-unlisted.
 */
export class ProviderNotices {
  private readonly empty: string[] = [];
  private readonly unlisted: string[];

  constructor(
    private readonly options: {
      root: string;
      selection: { market: string } | { instruments: string[] };
      includeUnlisted?: boolean;
    },
    plan: readonly PlannedInstrument[],
    dirs: ReadonlyMap<string, string>,
    /** The market's instruments file, when the caller has read it already. */
    listed?: ReadonlyMap<string, unknown>,
  ) {
    const all = 'market' in options.selection && options.selection.market === 'all';
    this.unlisted =
      all && !options.includeUnlisted && plan.length > 0
        ? unlistedDirs(listed ?? readInstruments(options.root, 'all'), dirs)
        : [];
  }

  /** An instrument whose rows go into the batch. */
  observe(instrument: PlannedInstrument, read: InstrumentRead): void {
    if (instrument.memberships === undefined || read.hasAnyFile()) return;
    const where =
      instrument.dir === undefined ? 'no feature directory' : `${instrument.dir} has none of them`;
    this.empty.push(`${instrument.symbol} (${where})`);
  }

  list(): SourceNotice[] {
    const out: SourceNotice[] = [];
    if (this.empty.length > 0) {
      const market = 'market' in this.options.selection ? this.options.selection.market : '';
      out.push({
        code: 'QLIB_NO_FEATURE_FILES',
        severity: 'warn',
        message: `${this.empty.length} instrument(s) listed in instruments/${market}.txt for these dates have none of the requested field files: their rows went up with every value NULL`,
        count: this.empty.length,
        examples: this.empty.slice(0, EXAMPLES),
      });
    }
    if (this.unlisted.length > 0) {
      // A hint, not a warning: the same directories stay unlisted every night, and cron would mail it daily.
      out.push({
        code: 'QLIB_UNLISTED_INSTRUMENTS',
        severity: 'info',
        message: `${this.unlisted.length} feature director(ies) are not listed in instruments/all.txt and were not pushed (ETFs and indices often are not): add --include-unlisted to push them (rows where their files have values), or name them with --instruments`,
        count: this.unlisted.length,
        examples: this.unlisted.slice(0, EXAMPLES),
      });
    }
    return out;
  }
}
