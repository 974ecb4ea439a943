/**
 * Caps on the state the quality rules keep, so that no payload (a bomb, a hostile producer) can grow an
 * instance without bound. Both are far above real qlib data: China A-shares are ~5,500 instruments, a
 * 250-day Alpha158 batch is 250 dates × 158 columns = 39,500 cells.
 */
export interface InspectionLimits {
  /** Distinct instrument codes in one batch (INSTRUMENT_LIMIT_EXCEEDED); ingest's MAX_INSTRUMENTS. */
  maxInstruments: number;
  /** Distinct dates × value columns the distribution rules track (DATE_COUNT_EXCEEDED): 13 bytes each. */
  maxStatCells: number;
}

export const DEFAULT_MAX_INSTRUMENTS = 200_000;

export const DEFAULT_LIMITS: InspectionLimits = {
  maxInstruments: DEFAULT_MAX_INSTRUMENTS,
  // 8M cells ≈ 104 MiB: 50,000 dates of 158 columns, 8,000 dates (32 years) of 1,000 columns.
  maxStatCells: 8_000_000,
};

/**
 * The most bytes a canonical-or-not data line of `columns` value columns can take: a date (10), an instrument
 * (64), each value as up to 40 characters (shortest round trips are at most 24: `-2.2250738585072014e-308`; the
 * rest is room for producers that print more digits), the separators and the line end.
 */
export function maxLineBytes(columns: number): number {
  return 10 + 1 + 64 + columns * (1 + 40) + 1;
}

/**
 * How far a payload may inflate (PAYLOAD_INFLATED_TOO_LARGE): no more than its manifest's rows can take
 * (header + rowCount × maxLineBytes), and no more than `maxRatio` × its gzip bytes. Deflate cannot exceed
 * 1032:1; a wide all-NULL batch compresses about 400:1 at level 9, so the default ratio 500 stops bombs
 * without refusing real data (MAX_INFLATE_RATIO raises it).
 */
export function maxInflatedBytes(
  claim: { columns: readonly { name: string }[]; rowCount: number },
  payloadBytes: number,
  maxRatio: number,
): number {
  const header = 'datetime,instrument'.length + claim.columns.reduce((n, c) => n + 1 + c.name.length, 0) + 1;
  const byRows = header + claim.rowCount * maxLineBytes(claim.columns.length);
  return Math.min(byRows, payloadBytes * maxRatio);
}
