/**
 * `npm run bench -- monitor`: what the monitor's checks cost, as figures and ratios measured in the same run.
 *  1. The incoming/ scan for lost events with thousands of objects in incoming/ (the local OSS server, MariaDB):
 *     ours (ListObjectsV2 pages with LastModified, one ledger query per page) against the obvious way (list, then
 *     HEAD every manifest and ask the ledger per batch).
 *  2. The per-day profile drift needs, per row at load time, against parsing the same rows (core/csv).
 * Asserts nothing. QLIB_BENCH_BATCHES (default 5000) sets the number of batches in incoming/.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OSS from 'ali-oss';
import { OssObjectStore } from '../adapters/object-store/store.js';
import { dropDatabase } from '../adapters/warehouse/database.js';
import { prepareDatabase } from '../adapters/warehouse/prepare.js';
import { inLedger } from '../adapters/warehouse/redrive-store.js';
import { formatBatchId } from '../core/batch-id.js';
import { CsvRowParser, CsvRowWriter } from '../core/csv/index.js';
import { ProfileBuilder } from '../core/drift/profile.js';
import { createLogger } from '../core/logger.js';
import { startOssServer } from '../local/oss/server.js';

const BATCHES = Number(process.env.QLIB_BENCH_BATCHES ?? 5000);
const CRED = { accessKeyId: 'LTAI5tBench', accessKeySecret: 'bench-secret' };
const quiet = createLogger({ write: () => {}, now: () => new Date() });

export async function run(): Promise<void> {
  await scan();
  profile();
}

async function scan(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-monitor-'));
  const oss = await startOssServer({
    root: dir,
    region: 'cn-hangzhou',
    accountId: '1',
    credentials: [CRED],
    buckets: ['bench'],
    logger: quiet,
  });
  const url = new URL(process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306');
  url.pathname = '/qlib_bench_monitor';
  const { pool } = await prepareDatabase(
    url.toString(),
    join(import.meta.dirname, '..', 'migrations'),
    quiet,
    4,
  );
  try {
    const client = new OSS({
      ...CRED,
      bucket: 'bench',
      region: 'oss-cn-hangzhou',
      endpoint: oss.url,
      secure: false,
    });
    const store = new OssObjectStore(client);
    const ids: string[] = [];
    const started = performance.now();
    for (let i = 0; i < BATCHES; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, BATCHES - i) }, async (_, j) => {
          const id = formatBatchId(new Date(Date.UTC(2024, 0, 1) + (i + j) * 1000), `b${i + j}`);
          ids.push(id);
          const prefix = `incoming/factors/ds_${(i + j) % 20}/${id}/`;
          await client.put(`${prefix}data.csv.gz`, Buffer.from('x'));
          await client.put(`${prefix}manifest.json`, Buffer.from('{}'));
        }),
      );
    }
    // Every batch but 1 in 100 is in the ledger (stuck or loading): the scan must find the others.
    const known = ids.filter((_, i) => i % 100 !== 0);
    for (let i = 0; i < known.length; i += 500) {
      const chunk = known.slice(i, i + 500);
      await pool.query(
        `INSERT INTO batches (batch_id, kind, dataset, manifest_key, status, first_seen_at, updated_at) VALUES ${chunk.map(() => "(?, 'factors', 'ds', 'k', 'loading', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))").join(', ')}`,
        chunk,
      );
    }
    console.log(
      `incoming/: ${BATCHES} batches, ${2 * BATCHES} objects, ${BATCHES - known.length} lost (set up in ${Math.round(performance.now() - started)} ms)`,
    );

    // Ours: pages of 1000 keys with LastModified, one ledger query per page, no HEAD.
    let t0 = performance.now();
    let requests = 0;
    let lost = 0;
    let position = '';
    do {
      const page = await store.listPage('incoming/', position, 1000);
      requests++;
      const manifests = page.objects.filter((o) => o.key.endsWith('/manifest.json'));
      const batchIds = manifests.map((o) => o.key.split('/')[3] as string);
      const inside = await inLedger(pool, batchIds);
      lost += batchIds.filter((id) => !inside.has(id)).length;
      position = page.next ?? '';
    } while (position !== '');
    const ours = performance.now() - t0;
    console.log(
      `scan, pages + LastModified:   ${Math.round(ours)} ms, ${requests} OSS requests, ${Math.ceil(requests)} SQL queries, found ${lost}`,
    );

    // The obvious way: list every batch prefix (delimiter), HEAD each manifest, ask the ledger per batch.
    t0 = performance.now();
    let naiveRequests = 0;
    let naiveLost = 0;
    let marker = '';
    const prefixes: string[] = [];
    for (const d of Array.from({ length: 20 }, (_, k) => `incoming/factors/ds_${k}/`)) {
      do {
        const page = await client.listV2(
          {
            prefix: d,
            delimiter: '/',
            'max-keys': 1000,
            ...(marker ? { 'continuation-token': marker } : {}),
          } as OSS.ListV2ObjectsQuery,
          {},
        );
        naiveRequests++;
        prefixes.push(...(page.prefixes ?? []));
        marker = page.isTruncated ? (page.nextContinuationToken ?? '') : '';
      } while (marker !== '');
    }
    for (let i = 0; i < prefixes.length; i += 50) {
      await Promise.all(
        prefixes.slice(i, i + 50).map(async (p) => {
          await store.head(`${p}manifest.json`);
          const [rows] = await pool.query('SELECT 1 FROM batches WHERE batch_id = ?', [p.split('/')[3]]);
          if ((rows as unknown[]).length === 0) naiveLost++;
        }),
      );
    }
    naiveRequests += prefixes.length;
    const naive = performance.now() - t0;
    console.log(
      `scan, prefixes + HEAD each:   ${Math.round(naive)} ms, ${naiveRequests} OSS requests, ${prefixes.length} SQL queries, found ${naiveLost}`,
    );
    console.log(
      `ratio ours ÷ obvious:         ${(ours / naive).toFixed(3)} of the time, ${(requests / naiveRequests).toFixed(4)} of the OSS requests`,
    );
    console.log(
      `per monitor run (10 pages):   at most ${10 * 1000} keys (${5 * 1000} batches); a larger backlog is scanned over several runs`,
    );
  } finally {
    await pool.end();
    await dropDatabase(url.toString());
    await oss.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The per-day profile at load time against parsing: Alpha158-like rows, 20 days × 2000 instruments. */
function profile(): void {
  const columns = Array.from({ length: 158 }, (_, i) => ({ name: `F${i}`, type: 'float32' as const }));
  const writer = new CsvRowWriter({ kind: 'factors', columns });
  writer.header();
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let d = 0; d < 20; d++) {
    const date = `2024-02-${String(d + 1).padStart(2, '0')}`;
    for (let i = 0; i < 2000; i++)
      writer.row(
        date,
        `SH${600000 + i}`,
        columns.map(() => (next() < 0.02 ? Number.NaN : Math.fround(next() * 4 - 2))),
      );
  }
  const bytes = writer.take();
  const rows: Array<{ date: string; values: (number | null)[] }> = [];
  const parseOnce = (keep: boolean) => {
    const parser = new CsvRowParser({ layout: { kind: 'factors', columns }, inf: 'reject' });
    parser.onRow = keep ? (row) => rows.push({ date: row.date, values: row.values }) : () => {};
    parser.push(bytes);
    parser.end();
  };
  parseOnce(true);
  const best = (work: () => void) => {
    let fastest = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 7; round++) {
      const t0 = performance.now();
      work();
      fastest = Math.min(fastest, performance.now() - t0);
    }
    return fastest;
  };
  const parse = best(() => parseOnce(false));
  const profileOnly = best(() => {
    const builder = new ProfileBuilder(columns.map((c) => c.name));
    for (const r of rows) builder.observe(r.date, r.values);
    builder.profiles();
  });
  const perRow = (ms: number) => ((ms * 1000) / rows.length).toFixed(2);
  const rate = Math.round(rows.length / (parse / 1000)).toLocaleString('en-US');
  console.log(`parse ${rows.length} rows × 158 values:   ${perRow(parse)} µs/row (${rate} rows/s)`);
  console.log(`per-day profile of the same rows:  ${perRow(profileOnly)} µs/row`);
  console.log(`ratio profile ÷ parse:             ${(profileOnly / parse).toFixed(3)}`);
}
