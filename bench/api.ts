/**
 * HTTP API benchmark (docs/api.md, "Performance"). Figures, no assertions.
 *  1. Values throughput: 250 days × 300 instruments × 158 float32 factors (75,000 rows, loaded through the real
 *     ingest path), paged through the FC HTTP trigger as JSON and as CSV, as a ratio to one plain mysql2 SELECT of
 *     the same rows into row objects in the same run (target ≥ 0.8).
 *  2. Latency (p50/p95) on a 10-year × 5,000-instrument table (bench/api/ten-years.ts): /v1/datasets, one day
 *     across all instruments, one instrument over ten years, a 300-instrument market over a quarter; and the
 *     same query shapes in plain SQL without the (instrument, trade_date) index, with it, and with yearly
 *     RANGE partitions as well — the figures behind docs/api.md "Indexes".
 * Run: npm run bench -- api   (MYSQL_URL as for the tests; QLIB_BENCH_RUNS (default 3) throughput runs;
 * QLIB_BENCH_SKIP_LONG=1 skips part 2; the 10-year table is kept in the database bench_api_tenyear and reused,
 * QLIB_BENCH_REBUILD=1 builds it again).
 */

import { createOssClient } from '../adapters/object-store/client.js';
import { TokenStore } from '../adapters/warehouse/api-tokens.js';
import { buildFunctions } from '../scripts/build-functions.js';
import { createTestDatabase } from '../test/support/mysql.js';
import { withStack } from './api/stack.js';
import { tenYearLatency } from './api/ten-years.js';
import { describeRuns, loadWide, pageThrough, plainSelect, type Throughput, WIDE } from './api/throughput.js';
import { median } from './api/timing.js';

const RUNS = Number(process.env.QLIB_BENCH_RUNS ?? 3);

/** Entry point for bench/main.ts. */
export async function run(): Promise<void> {
  await buildFunctions();
  await throughput();
  if (process.env.QLIB_BENCH_SKIP_LONG !== '1') await tenYearLatency();
}

async function throughput(): Promise<void> {
  const db = await createTestDatabase('bench_api');
  try {
    await withStack(db.url, async (stack, handlerMs) => {
      const oss = createOssClient({
        bucket: stack.bucket,
        region: stack.region,
        endpoint: stack.oss.url,
        credentials: stack.credentials,
        timeoutMs: 600_000,
      });
      await loadWide(oss, db.pool);
      const { token } = await new TokenStore(db.pool).create('bench', ['read:data'], null);
      const base = stack.fc.httpUrl('qlib-api') as string;
      await pageThrough(base, token, 'json'); // warm: instance, statements, buffer pool
      const plain: Throughput[] = [];
      const json: Throughput[] = [];
      const parsed: Throughput[] = [];
      const csv: Throughput[] = [];
      const handler = { json: [] as number[], csv: [] as number[] };
      for (let i = 0; i < RUNS; i++) {
        plain.push(await plainSelect(db.pool, WIDE.columns));
        handlerMs.total = 0;
        json.push(await pageThrough(base, token, 'json'));
        handler.json.push(handlerMs.total);
        handlerMs.total = 0;
        csv.push(await pageThrough(base, token, 'csv'));
        handler.csv.push(handlerMs.total);
        parsed.push(await pageThrough(base, token, 'json', true));
      }
      const plainMs = median(plain.map((r) => r.ms));
      const fn = (ms: number[]) =>
        `${(median(ms) / 1000).toFixed(2)} s → ratio ${(plainMs / median(ms)).toFixed(2)}`;
      const parseMs = median(parsed.map((r) => r.parseMs ?? 0));
      const ratio = (runs: Throughput[]) =>
        (median(plain.map((r) => r.ms)) / median(runs.map((r) => r.ms))).toFixed(2);
      console.log(
        [
          `values throughput, ${WIDE.days} days × ${WIDE.instruments} instruments × ${WIDE.columns.length} float32 fields:`,
          `  ${describeRuns('plain mysql2 SELECT (prepared, row objects)', plain)}`,
          `  ${describeRuns('API JSON through the FC HTTP trigger', json)} → ratio ${ratio(json)} (target ≥ 0.8)`,
          `  ${describeRuns('API CSV through the FC HTTP trigger', csv)} → ratio ${ratio(csv)} (target ≥ 0.8)`,
          `  ${describeRuns('API JSON, pages also parsed by the client', parsed)} → ratio ${ratio(parsed)} (JSON.parse ${(parseMs / 1000).toFixed(2)} s of it)`,
          `  the function's own time for all pages (its request log lines; what FC bills): JSON ${fn(handler.json)}, CSV ${fn(handler.csv)}`,
          '  (the rest of the end-to-end time is the local runtime moving each page from the instance process to the',
          '  trigger — JSON of the answer over IPC — and HTTP to the client; all of it on the same 2 cores as MariaDB)',
        ].join('\n'),
      );
    });
  } finally {
    await db.drop();
  }
}
