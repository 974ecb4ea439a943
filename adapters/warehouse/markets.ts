import { executePrepared, placeholders, selectPrepared } from './prepared.js';
import type { Queryable } from './sql.js';

/** A market member over [start, end], as qlib's instruments/<market>.txt lists it (migrations/0009_api.sql). */
export interface Membership {
  instrument: string;
  start: string;
  end: string;
}

/** The memberships of `market` that overlap [start, end], by instrument. */
export async function marketMembers(
  db: Queryable,
  market: string,
  start = '0001-01-01',
  end = '9999-12-31',
): Promise<Membership[]> {
  const rows = await selectPrepared(
    db,
    `SELECT instrument, start_date, end_date FROM market_members
      WHERE market = ? AND start_date <= ? AND end_date >= ? ORDER BY instrument, start_date`,
    [market, end, start],
  );
  return rows.map((r) => ({
    instrument: String(r.instrument),
    start: String(r.start_date),
    end: String(r.end_date),
  }));
}

export interface MarketSummary {
  market: string;
  members: number;
  instruments: number;
}

/** Every market with its membership counts. */
export async function markets(db: Queryable): Promise<MarketSummary[]> {
  const rows = await selectPrepared(
    db,
    `SELECT market, COUNT(*) AS members, COUNT(DISTINCT instrument) AS instruments
       FROM market_members GROUP BY market ORDER BY market`,
  );
  return rows.map((r) => ({
    market: String(r.market),
    members: Number(r.members),
    instruments: Number(r.instruments),
  }));
}

/** Replace a market's memberships (inside the caller's transaction). */
export async function replaceMarket(
  db: Queryable,
  market: string,
  members: readonly Membership[],
): Promise<void> {
  await executePrepared(db, 'DELETE FROM market_members WHERE market = ?', [market]);
  for (let i = 0; i < members.length; i += 500) {
    const chunk = members.slice(i, i + 500);
    await executePrepared(
      db,
      `INSERT INTO market_members (market, instrument, start_date, end_date) VALUES ${chunk
        .map(() => `(${placeholders(4)})`)
        .join(', ')}`,
      chunk.flatMap((m) => [market, m.instrument, m.start, m.end]),
    );
  }
}
