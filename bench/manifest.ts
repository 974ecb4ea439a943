/**
 * `npm run bench -- manifest`: what the repeated-key check (core/json-document.ts) costs on a manifest, as a
 * ratio to reading the same manifest without it, measured in the same run. Figures only.
 */
import { duplicateKeyPaths } from '../core/json-document.js';
import { formatManifest, ManifestSchema, type ManifestV1, parseManifest } from '../core/manifest.js';
import { checkWith } from '../core/schema.js';

const ID = '20240103T203000000Z-0b52e4772383';

function manifestWith(columns: number): string {
  const m: ManifestV1 = {
    formatVersion: 1,
    batchId: ID,
    kind: 'factors',
    dataset: 'alpha158',
    frequency: 'day',
    dateRange: { start: '2024-01-02', end: '2024-12-31' },
    columns: Array.from({ length: columns }, (_, i) => ({ name: `F${i}`, type: 'float32' as const })),
    rowCount: 1_250_000,
    payload: {
      key: `incoming/factors/alpha158/${ID}/data.csv.gz`,
      format: 'csv',
      compression: 'gzip',
      bytes: 123_456_789,
      sha256: '0b52e47723831223c66d806b62a3b7a0107235a76f9633e3e52533de229518c9',
      crc64: '11734346800268690096',
    },
    producer: { host: 'research-01', agentVersion: 'qlib-sync/0.1.0', sourcePath: '/data/qlib' },
    createdAt: '2024-01-03T20:30:00.000Z',
  };
  return formatManifest(m);
}

/** Mean microseconds per call over ~100 ms. */
function once(fn: () => void): number {
  let calls = 0;
  const start = performance.now();
  while (performance.now() - start < 100) {
    for (let i = 0; i < 20; i++) fn();
    calls += 20;
  }
  return ((performance.now() - start) * 1000) / calls;
}

/** Each variant's best of 7 rounds, the variants interleaved so a busy machine slows them alike. */
function best(variants: Record<string, () => void>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const fn of Object.values(variants)) for (let i = 0; i < 200; i++) fn();
  for (let round = 0; round < 7; round++) {
    for (const [name, fn] of Object.entries(variants)) out[name] = Math.min(out[name] ?? Infinity, once(fn));
  }
  return out;
}

export function run(): void {
  for (const columns of [3, 158, 1000]) {
    const text = manifestWith(columns);
    const t = best({
      full: () => parseManifest(text),
      withoutScan: () => checkWith(ManifestSchema, JSON.parse(text), 'MANIFEST'),
      scan: () => duplicateKeyPaths(text),
      parse: () => JSON.parse(text),
    });
    const { full, withoutScan, scan, parse } = t as Record<'full' | 'withoutScan' | 'scan' | 'parse', number>;
    console.log(
      `${String(columns).padStart(4)} columns (${text.length} B): parseManifest ${full.toFixed(1)} µs, ` +
        `without the repeated-key scan ${withoutScan.toFixed(1)} µs (ratio ${(full / withoutScan).toFixed(2)}); ` +
        `the scan ${scan.toFixed(1)} µs = ${(scan / parse).toFixed(2)} × JSON.parse (${parse.toFixed(1)} µs)`,
    );
  }
}
