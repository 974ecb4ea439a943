import { Readable } from 'node:stream';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { TokenStore } from '../../adapters/warehouse/api-tokens.js';
import { ensureFactorTables, ensureInstrumentIndex } from '../../adapters/warehouse/factor-tables.js';
import { replaceMarket } from '../../adapters/warehouse/markets.js';
import { quoteId } from '../../adapters/warehouse/pool.js';
import { prepareDatabase } from '../../adapters/warehouse/prepare.js';
import { recordColumns, registerDataset } from '../../adapters/warehouse/registry.js';
import { formatFloat32 } from '../../core/csv/index.js';
import { businessDays, floatColumns } from '../../test/ingest/batch-builder.js';
import { MIGRATIONS_DIR, quietLogger, serverUrl } from '../../test/support/mysql.js';
import { withStack } from './stack.js';
import { fmt, latency, percentile, timed } from './timing.js';

/**
 * A 10-year × 5,000-instrument table (2,610 weekdays from 2015-01-05: 13.05M rows) with 20 float32 columns: a
 * 158-column table of that length is ~13 GB and takes hours to build here (2 cores, a 128 MiB buffer pool), while
 * 20 columns (~2 GB) builds in minutes and exercises the same index paths. Kept between runs in its own database.
 */
const DATABASE = 'bench_api_tenyear';
const DATASET = 'tenyear';
const COLUMNS = floatColumns(20, 'F');
const INSTRUMENTS = 5000;
const DAYS = businessDays('2015-01-05', 2610);
const ROWS = DAYS.length * INSTRUMENTS;
const MARKET = Array.from({ length: 300 }, (_, i) => code(i * 16));

function code(i: number): string {
  return `SH${String(600000 + i)}`;
}

export async function tenYearLatency(): Promise<void> {
  const url = new URL(serverUrl());
  url.pathname = `/${DATABASE}`;
  const { url: dbUrl, pool } = await prepareDatabase(url.toString(), MIGRATIONS_DIR, quietLogger, 4);
  try {
    await ensureFixture(pool);
    const [[bp]] = await pool.query<RowDataPacket[]>('SELECT @@innodb_buffer_pool_size AS b, VERSION() AS v');
    console.log(
      `\n10 years × ${INSTRUMENTS} instruments × ${COLUMNS.length} float32 columns (${ROWS} rows), ${bp?.v}, buffer pool ${Math.round(Number(bp?.b) / 1048576)} MiB:`,
    );
    await sqlShapes(pool);
    await apiShapes(dbUrl, pool);
  } finally {
    await pool.end();
  }
}

/** The fixture, unless a complete one is there (the ledger row says so). */
async function ensureFixture(pool: Pool): Promise<void> {
  const [[done]] = await pool.query<RowDataPacket[]>(
    "SELECT COUNT(*) AS n FROM batches WHERE batch_id = 'bench-tenyear' AND status = 'loaded' AND rows_loaded = ?",
    [ROWS],
  );
  if (Number(done?.n) === 1 && process.env.QLIB_BENCH_REBUILD !== '1') return;
  console.log(
    `building the 10-year fixture in database ${DATABASE} (once; QLIB_BENCH_REBUILD=1 rebuilds it)…`,
  );
  for (const t of ['f_tenyear', 'f_tenyear__history', 'f_tenyear_part'])
    await pool.query(`DROP TABLE IF EXISTS ${quoteId(t)}`);
  await pool.query("DELETE FROM batches WHERE batch_id = 'bench-tenyear'");
  await ensureFactorTables(pool, DATASET, COLUMNS);
  await pool.query('ALTER TABLE f_tenyear DROP INDEX ix_instrument_date');
  let started = performance.now();
  for (let year = 2015; year <= 2025; year++) await loadYear(pool, year);
  console.log(`  LOAD DATA of ${ROWS} rows: ${((performance.now() - started) / 1000).toFixed(0)} s`);
  started = performance.now();
  await ensureInstrumentIndex(pool, DATASET);
  console.log(
    `  ADD INDEX ix_instrument_date (online) on it: ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  started = performance.now();
  await partitionedCopy(pool);
  console.log(`  copy into yearly RANGE partitions: ${((performance.now() - started) / 1000).toFixed(0)} s`);
  await register(pool);
}

async function loadYear(pool: Pool, year: number): Promise<void> {
  const days = DAYS.map((d, i) => [d, i] as const).filter(([d]) => d.startsWith(String(year)));
  if (days.length === 0) return;
  const texts = Array.from({ length: 256 }, (_, i) =>
    formatFloat32(Math.fround(Math.sin(i) * 10 ** ((i % 7) - 3))),
  );
  function* lines(): Generator<Buffer> {
    for (const [day, d] of days) {
      let chunk = '';
      for (let i = 0; i < INSTRUMENTS; i++) {
        chunk += `${day},${code(i)}`;
        for (let c = 0; c < COLUMNS.length; c++) chunk += `,${texts[(d * 31 + i * 17 + c * 7) & 255]}`;
        chunk += '\n';
      }
      yield Buffer.from(chunk, 'latin1');
    }
  }
  const fields = ['trade_date', 'instrument', ...COLUMNS.map((c) => c.name)].map(quoteId).join(', ');
  await pool.query({
    sql: `LOAD DATA LOCAL INFILE 'year.csv' INTO TABLE f_tenyear FIELDS TERMINATED BY ',' LINES TERMINATED BY '\\n' (${fields}) SET batch_id = 'bench-tenyear'`,
    infileStreamFactory: () => Readable.from(lines()),
  });
}

async function partitionedCopy(pool: Pool): Promise<void> {
  await pool.query('CREATE TABLE f_tenyear_part LIKE f_tenyear');
  const parts = Array.from(
    { length: 11 },
    (_, i) => `PARTITION p${2015 + i} VALUES LESS THAN ('${2016 + i}-01-01')`,
  );
  await pool.query(
    `ALTER TABLE f_tenyear_part PARTITION BY RANGE COLUMNS (trade_date) (${parts.join(', ')}, PARTITION pmax VALUES LESS THAN (MAXVALUE))`,
  );
  for (let year = 2015; year <= 2025; year++) {
    await pool.query(
      `INSERT INTO f_tenyear_part SELECT * FROM f_tenyear WHERE trade_date BETWEEN '${year}-01-01' AND '${year}-12-31'`,
    );
  }
}

/** Registry, calendar, ledger and a market, as ingest and an admin would have left them. */
async function register(pool: Pool): Promise<void> {
  await registerDataset(pool, DATASET, 'evolve');
  await recordColumns(pool, DATASET, COLUMNS, 'bench-tenyear', 1);
  await pool.query("DELETE FROM trading_calendar WHERE calendar = 'cn'");
  for (let i = 0; i < DAYS.length; i += 1000) {
    const chunk = DAYS.slice(i, i + 1000);
    await pool.query(
      `INSERT INTO trading_calendar (calendar, trade_date, batch_id) VALUES ${chunk.map(() => "('cn', ?, 'bench-cal')").join(', ')}`,
      chunk,
    );
  }
  await replaceMarket(
    pool,
    'bench300',
    MARKET.map((instrument) => ({ instrument, start: DAYS[0] as string, end: '2099-12-31' })),
  );
  await pool.query(
    `INSERT INTO batches (batch_id, kind, dataset, manifest_key, date_start, date_end, row_count, rows_loaded, status, attempts,
       first_seen_at, started_at, finished_at, updated_at)
     VALUES ('bench-tenyear', 'factors', ?, 'bench', ?, ?, ?, ?, 'loaded', 1, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`,
    [DATASET, DAYS[0], DAYS.at(-1), ROWS, ROWS],
  );
}

/** A deterministic pick per run. */
function pick<T>(list: readonly T[], i: number): T {
  return list[Math.abs(i * 7919 + 13) % list.length] as T;
}

/** The three query shapes in plain SQL: without the instrument index, with it, and with yearly partitions too. */
async function sqlShapes(pool: Pool): Promise<void> {
  const cols = ['trade_date', 'instrument', ...COLUMNS.map((c) => c.name)].map(quoteId).join(', ');
  const variants = [
    { label: 'primary key only', table: 'f_tenyear IGNORE INDEX (ix_instrument_date)' },
    { label: '+ (instrument, trade_date)', table: 'f_tenyear' },
    { label: '+ yearly RANGE partitions', table: 'f_tenyear_part' },
  ];
  const quarter = (i: number) => {
    const start = Math.abs(i * 131) % (DAYS.length - 63);
    return [DAYS[start], DAYS[start + 62]] as [string, string];
  };
  const shapes = [
    {
      label: 'one day, all instruments',
      sql: (t: string) => `SELECT ${cols} FROM ${t} WHERE trade_date = ? ORDER BY instrument`,
      params: (i: number) => [pick(DAYS, i)],
    },
    {
      label: 'one instrument, ten years',
      sql: (t: string) =>
        `SELECT ${cols} FROM ${t} WHERE instrument = ? AND trade_date BETWEEN ? AND ? ORDER BY trade_date`,
      params: (i: number) => [
        code(
          pick(
            Array.from({ length: INSTRUMENTS }, (_, k) => k),
            i,
          ),
        ),
        DAYS[0],
        DAYS.at(-1),
      ],
    },
    {
      label: '300-instrument market, one quarter',
      sql: (t: string) =>
        `SELECT ${cols} FROM ${t} WHERE instrument IN (${MARKET.map(() => '?').join(', ')}) AND trade_date BETWEEN ? AND ? ORDER BY trade_date, instrument`,
      params: (i: number) => [...MARKET, ...quarter(i)],
    },
  ];
  for (const shape of shapes) {
    const parts: string[] = [];
    for (const v of variants) {
      const ms = await budgeted(async (i) => {
        const [rows] = await pool.execute<RowDataPacket[]>(shape.sql(v.table), shape.params(i) as string[]);
        return rows.length;
      });
      parts.push(
        `${v.label} p50 ${fmt(percentile(ms, 50))} / p95 ${fmt(percentile(ms, 95))} ms (${ms.length})`,
      );
    }
    console.log(`  SQL ${shape.label}: ${parts.join('; ')}`);
  }
}

/** Up to 40 runs or 60 s, at least 3 (a full scan of 13M rows takes a while). */
async function budgeted(work: (i: number) => Promise<unknown>): Promise<number[]> {
  await work(-1);
  const out: number[] = [];
  const deadline = performance.now() + 60_000;
  for (let i = 0; i < 40 && (out.length < 3 || performance.now() < deadline); i++) {
    const started = performance.now();
    await work(i);
    out.push(performance.now() - started);
  }
  return out;
}

/** The same shapes through the API (FC HTTP trigger, local stack), one page each, p50/p95. */
async function apiShapes(dbUrl: string, pool: Pool): Promise<void> {
  await withStack(dbUrl, async (stack) => {
    await pool.query("DELETE FROM api_tokens WHERE name = 'bench'");
    const { token } = await new TokenStore(pool).create('bench', ['read:data'], null);
    const base = stack.fc.httpUrl('qlib-api') as string;
    const get = async (path: string) => {
      const r = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
      const text = await r.text();
      if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status} ${text.slice(0, 300)}`);
      return text.length;
    };
    const start = (i: number) => Math.abs(i * 131) % (DAYS.length - 63);
    const cases: [string, (i: number) => string][] = [
      ['GET /v1/datasets', () => '/v1/datasets'],
      [
        'one day, all instruments',
        (i) => `/v1/datasets/${DATASET}/values?start=${pick(DAYS, i)}&end=${pick(DAYS, i)}`,
      ],
      [
        'one instrument, ten years',
        (i) => `/v1/datasets/${DATASET}/values?instruments=${code(Math.abs(i * 7919 + 13) % INSTRUMENTS)}`,
      ],
      [
        '300-instrument market, one quarter',
        (i) =>
          `/v1/datasets/${DATASET}/values?market=bench300&start=${DAYS[start(i)]}&end=${DAYS[start(i) + 62]}`,
      ],
    ];
    for (const [label, path] of cases) {
      const ms = await timed(40, 3, (i) => get(path(i)));
      console.log(`  API ${label}: ${latency(ms)}`);
    }
  });
}
