import { TransientError } from '../../core/errors.js';
import type { ApiSource } from '../api-client.js';

/** The rows of one instrument: calendar index (of the new calendar) → one float32 per field. */
export type InstrumentRows = Map<number, Float32Array>;

export interface FetchScope {
  dataset: string;
  fields: readonly string[];
  /** The snapshot every page must come from (its ETag), read with as_of = its load time. */
  snapshot: { batchId: string; loadedAt: string };
  /** Trade date → index in the calendar being written; rows on other dates are counted, not kept. */
  dayIndex: ReadonlyMap<string, number>;
}

export interface FetchTally {
  rows: number;
  offCalendar: number;
}

interface ValuesPage {
  snapshot: { batchId: string } | null;
  rows: (string | number | null)[][];
  next: string | null;
}

/**
 * Every row of `[start, end]` (for `instruments`, or all of them when null) as of the snapshot, page by page
 * (GET /v1/datasets/{dataset}/values, keyset paging), into `into` keyed by instrument code. Each page must name
 * the pinned snapshot: a pull never mixes two states of the dataset.
 */
export async function fetchRange(
  api: ApiSource,
  scope: FetchScope,
  range: { start: string; end: string; instruments: readonly string[] | null },
  into: Map<string, InstrumentRows>,
  tally: FetchTally,
  onPage: () => void,
): Promise<void> {
  const query = new URLSearchParams({
    fields: scope.fields.join(','),
    start: range.start,
    end: range.end,
    as_of: scope.snapshot.loadedAt,
  });
  if (range.instruments !== null) query.set('instruments', range.instruments.join(','));
  const width = scope.fields.length;
  let cursor: string | null = null;
  do {
    const path: string = `/v1/datasets/${encodeURIComponent(scope.dataset)}/values?${query}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const { body } = await api.json<ValuesPage>(path);
    if (body.snapshot?.batchId !== scope.snapshot.batchId) {
      // Two loads committed within one millisecond: passing, and the next pull pins the later one.
      throw new TransientError(
        'PULL_SNAPSHOT_MOVED',
        `the API served snapshot ${body.snapshot?.batchId ?? 'none'} for as_of ${scope.snapshot.loadedAt}, not ${scope.snapshot.batchId}: run the pull again`,
      );
    }
    for (const row of body.rows) {
      const day = scope.dayIndex.get(String(row[0]));
      tally.rows += 1;
      if (day === undefined) {
        tally.offCalendar += 1;
        continue;
      }
      const instrument = String(row[1]);
      let rows = into.get(instrument);
      if (rows === undefined) {
        rows = new Map();
        into.set(instrument, rows);
      }
      const values = new Float32Array(width);
      for (let f = 0; f < width; f++) {
        const v = row[f + 2];
        values[f] = v === null || v === undefined ? Number.NaN : Number(v);
      }
      rows.set(day, values);
    }
    cursor = body.next;
    onPage();
  } while (cursor !== null);
}
