/**
 * Micro benchmark of the row codec (core/csv): float32 formatting, the writer and the parser on
 * Alpha158-shaped data (158 float32 columns, ~2% NULL), and CRC-64 beside gzip/gunzip of the same bytes.
 * Prints figures; asserts nothing.
 * Run: npx tsx bench/codec.ts [rows]
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { Crc64 } from '../core/crc64.js';
import { type CsvLayout, CsvRowParser, CsvRowWriter, formatFloat32 } from '../core/csv/index.js';

const COLUMNS = 158;
const ROWS = Number(process.argv[2] ?? 100_000);

/** Deterministic xorshift generator, so runs are comparable. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

const rand = random(42);

/** A factor-like value: normal(0,1) × 10^k, k in -4..3, stored as float32. */
function factorValue(): number {
  const g = Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
  return Math.fround(g * 10 ** Math.floor(rand() * 8 - 4));
}

function best(label: string, unit: string, count: number, run: () => void): void {
  let top = 0;
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now();
    run();
    top = Math.max(top, count / ((performance.now() - t0) / 1000));
  }
  console.log(`${label.padEnd(36)} ${Math.round(top).toLocaleString('en-US').padStart(12)} ${unit}/s`);
}

const values = Float64Array.from({ length: 1_000_000 }, factorValue);
best('formatFloat32 (realistic)', 'values', values.length, () => {
  let bytes = 0;
  for (const v of values) bytes += formatFloat32(v).length;
  if (bytes === 0) throw new Error('unreachable');
});

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const bitPatterns = Float64Array.from({ length: 1_000_000 }, () => {
  do u32[0] = rand() * 2 ** 32;
  while (!Number.isFinite(f32[0]!));
  return f32[0]!;
});
best('formatFloat32 (random bit patterns)', 'values', bitPatterns.length, () => {
  let bytes = 0;
  for (const v of bitPatterns) bytes += formatFloat32(v).length;
  if (bytes === 0) throw new Error('unreachable');
});

const layout: CsvLayout = {
  kind: 'factors',
  columns: Array.from({ length: COLUMNS }, (_, i) => ({ name: `F${i}`, type: 'float32' as const })),
};
const rows = Array.from({ length: Math.min(ROWS, 20_000) }, () =>
  Float64Array.from({ length: COLUMNS }, () => (rand() < 0.02 ? Number.NaN : factorValue())),
);
const instruments = Array.from({ length: 5000 }, (_, i) => `SH${String(600000 + i)}`);
const dateOf = (i: number) =>
  `2024-01-${String(1 + (Math.floor(i / instruments.length) % 28)).padStart(2, '0')}`;

let payload: Buffer = Buffer.alloc(0);
best('CsvRowWriter.row (158 float32)', 'rows', ROWS, () => {
  const writer = new CsvRowWriter(layout);
  writer.header();
  const parts: Buffer[] = [];
  for (let i = 0; i < ROWS; i++) {
    writer.row(dateOf(i), instruments[i % instruments.length]!, rows[i % rows.length]!);
    if (writer.pendingBytes >= 65536) parts.push(writer.take());
  }
  parts.push(writer.take());
  payload = Buffer.concat(parts);
});
console.log(
  `payload: ${ROWS.toLocaleString('en-US')} rows, ${(payload.length / 1e6).toFixed(1)} MB uncompressed`,
);

const chunks: Buffer[] = [];
for (let i = 0; i < payload.length; i += 65536) chunks.push(payload.subarray(i, i + 65536));
const parse = (text: Buffer[]) => () => {
  let problems = 0;
  const parser = new CsvRowParser({ layout, inf: 'reject', onProblem: () => problems++ });
  for (const chunk of text) parser.push(chunk);
  parser.end();
  if (parser.rows !== ROWS || problems > 0)
    throw new Error(`parsed ${parser.rows} rows, ${problems} problems`);
};
best('CsvRowParser (canonical input)', 'rows', ROWS, parse(chunks));

// Non-canonical spellings (trailing zeros) force the re-encoding path on every row.
const padded = Buffer.from(payload.toString('latin1').replace(/(\.\d+)(?=[,\n])/g, '$10'), 'latin1');
const paddedChunks: Buffer[] = [];
for (let i = 0; i < padded.length; i += 65536) paddedChunks.push(padded.subarray(i, i + 65536));
best('CsvRowParser (every row rewritten)', 'rows', ROWS, parse(paddedChunks));

// CRC-64/XZ (what OSS returns as x-oss-hash-crc64ecma) runs over every payload byte on both sides; it must
// keep up with gzip, which the agent runs over the same bytes anyway. Same bytes, same run.
best('Crc64.update (payload bytes)', 'MB', payload.length / 1e6, () => {
  const crc = new Crc64();
  for (const chunk of chunks) crc.update(chunk);
  if (crc.digestDecimal() === '') throw new Error('unreachable');
});
best('zlib gzipSync level 6 (same bytes)', 'MB', payload.length / 1e6, () => {
  if (gzipSync(payload, { level: 6 }).length === 0) throw new Error('unreachable');
});
const gzipped = gzipSync(payload, { level: 6 });
best('zlib gunzipSync (same bytes)', 'MB', payload.length / 1e6, () => {
  if (gunzipSync(gzipped).length !== payload.length) throw new Error('unreachable');
});
