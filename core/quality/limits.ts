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
