/**
 * `npx tsx scripts/measure-table-width.ts`: measure how wide a factor table the server at MYSQL_URL builds and
 * fills, the figures behind core/table-shape.ts (docs/ingest.md "Table width"). For each column mix it finds,
 * by bisection, the most value columns for which the loader's own CREATE TABLE (f_<dataset> and its history
 * table) succeeds and a full row — a 64-character instrument, 84-character batch ids, every value set — goes
 * into both. It works in a database of its own, dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import { dropDatabase, ensureDatabase } from '../adapters/warehouse/database.js';
import { ensureFactorTables } from '../adapters/warehouse/factor-tables.js';
import { createPool, type Pool } from '../adapters/warehouse/pool.js';
import type { ColumnSpec } from '../core/csv/index.js';

const INSTRUMENT = 'X'.repeat(64);
const BATCH_ID = `20261207T000000000Z-${'b'.repeat(64)}`;

/** `doubles` float64 columns, then float32 ones up to `total`. */
function columnsOf(total: number, doubles: number): ColumnSpec[] {
  return Array.from({ length: total }, (_, i) => ({
    name: `c${i}`,
    type: i < doubles ? 'float64' : 'float32',
  }));
}

async function fits(pool: Pool, columns: ColumnSpec[], n: number): Promise<boolean> {
  const dataset = `w${n}_${randomBytes(3).toString('hex')}`;
  const conn = await pool.getConnection();
  try {
    await ensureFactorTables(conn, dataset, columns);
    const names = ['trade_date', 'instrument', ...columns.map((c) => c.name), 'batch_id'];
    const values = ['2024-01-02', INSTRUMENT, ...columns.map(() => -1.25e-300), BATCH_ID];
    const marks = names.map(() => '?').join(', ');
    await conn.query(`INSERT INTO f_${dataset} (${names.join(', ')}) VALUES (${marks})`, values);
    await conn.query(
      `INSERT INTO f_${dataset}__history (${names.join(', ')}, superseded_by, superseded_at)
       VALUES (${marks}, ?, UTC_TIMESTAMP(3))`,
      [...values, BATCH_ID],
    );
    return true;
  } catch {
    return false;
  } finally {
    await conn.query(`DROP TABLE IF EXISTS f_${dataset}, f_${dataset}__history`).catch(() => undefined);
    conn.release();
  }
}

/** The largest n in [low, high] for which `ok(n)`, given ok(low) and not ok(high + 1) … (monotone). */
async function largest(low: number, high: number, ok: (n: number) => Promise<boolean>): Promise<number> {
  let lo = low;
  let hi = high;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (await ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

async function main(): Promise<void> {
  const base = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
  const url = new URL(base);
  url.pathname = `/qlib_width_${randomBytes(4).toString('hex')}`;
  const target = await ensureDatabase(url.toString());
  const pool = createPool({ url: target, connectionLimit: 1 });
  try {
    const [[version]] = (await pool.query('SELECT VERSION() AS v')) as unknown as [[{ v: string }]];
    console.log(`server ${version?.v}`);
    const doubles = await largest(1, 1100, (n) => fits(pool, columnsOf(n, n), n));
    console.log(`float64 only: ${doubles} columns (${doubles * 8} bytes of values)`);
    const floats = await largest(1, 1100, (n) => fits(pool, columnsOf(n, 0), n));
    console.log(`float32 only: ${floats} columns (${floats * 4} bytes of values)`);
    for (const d of [960, 950, 900]) {
      const total = await largest(d, 1100, (n) => fits(pool, columnsOf(n, d), n));
      console.log(`${d} float64 + ${total - d} float32: ${d * 8 + (total - d) * 4} bytes of values`);
    }
  } finally {
    await pool.end();
    await dropDatabase(target);
  }
}

main().catch((error: unknown) => {
  console.error(`measure-table-width failed: ${(error as Error).message}`);
  process.exitCode = 1;
});
