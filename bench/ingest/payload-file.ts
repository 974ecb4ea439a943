import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { type ColumnSpec, CsvRowWriter } from '../../core/csv/index.js';
import { type PayloadDigest, PayloadHasher } from '../../core/digest.js';
import { createRandom, normal } from '../../test/support/seeded-random.js';

/** A cached canonical payload for the ingest bench: the gzip file, optionally the raw CSV, and its facts. */
export interface PayloadFile {
  gz: string;
  csv?: string;
  digest: PayloadDigest;
  rows: number;
  columns: ColumnSpec[];
  dates: string[];
}

/** Alpha158-shaped columns: 158 float32 factors. */
export function benchColumns(): ColumnSpec[] {
  return Array.from({ length: 158 }, (_, i) => ({
    name: `F${String(i).padStart(3, '0')}`,
    type: 'float32' as const,
  }));
}

/**
 * Write (once; cached under `dir`) `instruments × days` rows of realistic factor values: float32 normals at
 * per-column scales, 2 % NaN. Streams: the writer's buffers go to gzip (and the raw CSV) as they fill.
 */
export async function payloadFile(
  dir: string,
  instruments: number,
  days: number,
  keepCsv: boolean,
  level: number,
  start = '2023-01-02',
): Promise<PayloadFile> {
  const name = `payload-${instruments}x158-${days}d${start === '2023-01-02' ? '' : `-${start}`}-gz${level}`;
  // Not .json: the cache sits inside the repository tree, where the linter would want it formatted.
  const facts = join(dir, `${name}.facts`);
  if (existsSync(facts)) return JSON.parse(readFileSync(facts, 'utf8')) as PayloadFile;
  mkdirSync(dir, { recursive: true });
  const columns = benchColumns();
  const dates = businessDays(start, days);
  const out: PayloadFile = {
    gz: join(dir, `${name}.csv.gz`),
    digest: { bytes: 0, sha256: '', crc64: '' },
    rows: 0,
    columns,
    dates,
  };
  if (keepCsv) out.csv = join(dir, `${name}.csv`);
  const hasher = new PayloadHasher();
  const gzip = createGzip({ level });
  const gzFile = createWriteStream(`${out.gz}.tmp`);
  gzip.on('data', (chunk: Buffer) => hasher.update(chunk));
  gzip.pipe(gzFile);
  const csvFile = out.csv === undefined ? undefined : createWriteStream(`${out.csv}.tmp`);
  out.rows = await writeRows(columns, dates, instruments, [gzip, ...(csvFile ? [csvFile] : [])]);
  gzip.end();
  csvFile?.end();
  await Promise.all([finished(gzFile), csvFile ? finished(csvFile) : Promise.resolve()]);
  out.digest = hasher.digest();
  renameSync(`${out.gz}.tmp`, out.gz);
  if (out.csv !== undefined) renameSync(`${out.csv}.tmp`, out.csv);
  writeFileSync(facts, JSON.stringify(out));
  return out;
}

async function writeRows(
  columns: ColumnSpec[],
  dates: string[],
  instruments: number,
  sinks: Writable[],
): Promise<number> {
  const random = createRandom(158);
  const scales = columns.map((_, i) => 10 ** ((i % 7) - 3));
  const writer = new CsvRowWriter({ kind: 'factors', columns });
  const values = new Float64Array(columns.length);
  writer.header();
  for (const date of dates) {
    for (let i = 0; i < instruments; i++) {
      for (let c = 0; c < values.length; c++) {
        values[c] = random() < 0.02 ? Number.NaN : Math.fround(normal(random) * (scales[c] as number));
      }
      writer.row(date, `SH${String(600000 + i)}`, values);
      if (writer.pendingBytes >= 1 << 20) await write(sinks, writer.take());
    }
  }
  await write(sinks, writer.take());
  return writer.rows;
}

async function write(sinks: Writable[], chunk: Buffer): Promise<void> {
  const waits = sinks.map((s) =>
    s.write(chunk) ? Promise.resolve() : new Promise<void>((r) => s.once('drain', () => r())),
  );
  await Promise.all(waits);
}

function finished(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('finish', () => resolve());
    stream.once('error', reject);
  });
}

export function businessDays(start: string, n: number): string[] {
  const out: string[] = [];
  const day = new Date(`${start}T00:00:00Z`);
  while (out.length < n) {
    if (day.getUTCDay() % 6 !== 0) out.push(day.toISOString().slice(0, 10));
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return out;
}
