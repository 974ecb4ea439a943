import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { formatBatchId } from '../../core/batch-id.js';
import { type ColumnSpec, CsvRowWriter } from '../../core/csv/index.js';
import { digestBytes } from '../../core/digest.js';
import { type BatchKind, formatBatchKey } from '../../core/keys.js';
import { formatManifest, type ManifestV1 } from '../../core/manifest.js';
import { businessDays } from '../support/qlib-fixture.js';
import { createRandom } from '../support/seeded-random.js';

export { businessDays };

/**
 * Batches for the ingest tests, built with the production codec (core/csv) and manifest formatter, with
 * every way to break them: raw CSV text, a patched manifest, foreign payload bytes.
 */
export interface FactorRow {
  date: string;
  instrument: string;
  values: number[];
}

export interface BatchSpec {
  dataset: string;
  kind?: BatchKind;
  columns?: ColumnSpec[];
  rows?: FactorRow[];
  /** calendar batches: the trading days */
  days?: string[];
  /** raw uncompressed payload text instead of rows (bad cases) */
  csv?: string;
  /** bytes to upload as the payload instead of gzip(csv) (the manifest still describes the canonical one) */
  payloadOverride?: Buffer;
  dateRange?: { start: string; end: string };
  rowCount?: number;
  batchId?: string;
  patch?: (m: ManifestV1) => void;
  /** raw manifest text instead of the formatted manifest */
  manifestText?: string;
}

export interface Batch {
  batchId: string;
  kind: BatchKind;
  dataset: string;
  manifest: ManifestV1;
  manifestText: string;
  manifestKey: string;
  payloadKey: string;
  payload: Buffer;
  /** the uncompressed canonical text */
  csv: string;
}

let sequence = 0;

/** A new batch id, later than every one made before in this process (ids sort by time). */
export function nextBatchId(): string {
  sequence += 1;
  return formatBatchId(new Date(Date.UTC(2026, 0, 1) + sequence * 1000), randomBytes(6).toString('hex'));
}

/** Build a batch (payload + manifest) from a spec. */
export function makeBatch(spec: BatchSpec): Batch {
  const kind = spec.kind ?? 'factors';
  const columns = kind === 'factors' ? (spec.columns ?? []) : [];
  const csv = spec.csv ?? canonicalCsv(kind, columns, spec);
  const compressed = gzipSync(Buffer.from(csv, 'utf8'), { level: 6 });
  const digest = digestBytes(compressed);
  const batchId = spec.batchId ?? nextBatchId();
  const ref = { kind, dataset: spec.dataset, batchId };
  const payloadKey = formatBatchKey({
    ...ref,
    area: 'incoming',
    file: kind === 'experiments' ? 'data.jsonl.gz' : 'data.csv.gz',
  });
  const dates = (spec.rows ?? [])
    .map((r) => r.date)
    .concat(spec.days ?? [])
    .sort();
  const manifest: ManifestV1 = {
    formatVersion: 1,
    batchId,
    kind,
    dataset: spec.dataset,
    frequency: 'day',
    dateRange: spec.dateRange ?? {
      start: dates[0] ?? '2024-01-02',
      end: dates[dates.length - 1] ?? '2024-01-02',
    },
    columns,
    rowCount: spec.rowCount ?? Math.max(1, (spec.rows ?? []).length + (spec.days ?? []).length),
    payload: {
      key: payloadKey,
      format: kind === 'experiments' ? 'jsonl' : 'csv',
      compression: 'gzip',
      ...digest,
    },
    producer: { host: 'test-host', agentVersion: '0.0.0-test', sourcePath: '/data/qlib' },
    // Made now, as the agent does: a fixed day would put today's rows after the batch was made (DATE_IN_FUTURE).
    createdAt: new Date().toISOString(),
  };
  spec.patch?.(manifest);
  return {
    batchId,
    kind,
    dataset: spec.dataset,
    manifest,
    manifestText: spec.manifestText ?? formatManifest(manifest),
    manifestKey: formatBatchKey({ ...ref, area: 'incoming', file: 'manifest.json' }),
    payloadKey,
    payload: spec.payloadOverride ?? compressed,
    csv,
  };
}

function canonicalCsv(kind: BatchKind, columns: ColumnSpec[], spec: BatchSpec): string {
  const writer = new CsvRowWriter(kind === 'factors' ? { kind: 'factors', columns } : { kind: 'calendar' });
  writer.header();
  if (kind === 'factors') for (const r of spec.rows ?? []) writer.row(r.date, r.instrument, r.values);
  else for (const d of spec.days ?? []) writer.calendarRow(d);
  return writer.take().toString('utf8');
}

export function floatColumns(n: number, prefix = 'F', type: ColumnSpec['type'] = 'float32'): ColumnSpec[] {
  return Array.from({ length: n }, (_, i) => ({ name: `${prefix}${i}`, type }));
}

/** Deterministic rows: every instrument on every date, varied values (no distribution warnings). */
export function factorRows(options: {
  dates: string[];
  instruments: number;
  columns: ColumnSpec[];
  seed?: number;
  prefix?: string;
}): FactorRow[] {
  const random = createRandom(options.seed ?? 1);
  const rows: FactorRow[] = [];
  for (const date of options.dates) {
    for (let i = 0; i < options.instruments; i++) {
      const values = options.columns.map((c) => {
        const v = (random() - 0.5) * 10 ** Math.floor(random() * 6 - 2);
        return c.type === 'float32' ? Math.fround(v) : v;
      });
      rows.push({ date, instrument: `${options.prefix ?? 'SH6'}${String(i).padStart(5, '0')}`, values });
    }
  }
  return rows;
}
