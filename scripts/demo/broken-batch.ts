import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type OSS from 'ali-oss';
import { formatBatchId } from '../../core/batch-id.js';
import { type ColumnSpec, CsvRowWriter } from '../../core/csv/index.js';
import { digestBytes } from '../../core/digest.js';
import { formatBatchKey } from '../../core/keys.js';
import { formatManifest } from '../../core/manifest.js';

/**
 * A batch the agent would refuse (its local validation runs the same rules), uploaded with ali-oss directly, as
 * a hand-rolled export might be: one date of the dataset again, with one row pasted twice.
 */
export async function uploadBrokenBatch(
  client: OSS,
  dataset: string,
  columns: ColumnSpec[],
  date: string,
  rows: { instrument: string; values: number[] }[],
): Promise<{ batchId: string; duplicated: string }> {
  const writer = new CsvRowWriter({ kind: 'factors', columns });
  writer.header();
  const all = [...rows, rows[1] as (typeof rows)[0]];
  for (const r of all) writer.row(date, r.instrument, r.values);
  const payload = gzipSync(writer.take());
  const batchId = formatBatchId(new Date(), randomBytes(6).toString('hex'));
  const ref = { kind: 'factors' as const, dataset, batchId };
  const payloadKey = formatBatchKey({ ...ref, area: 'incoming', file: 'data.csv.gz' });
  const manifest = formatManifest({
    formatVersion: 1,
    ...ref,
    frequency: 'day',
    dateRange: { start: date, end: date },
    columns,
    rowCount: all.length,
    payload: { key: payloadKey, format: 'csv', compression: 'gzip', ...digestBytes(payload) },
    producer: { host: 'a-hand-rolled-script', agentVersion: 'none', sourcePath: 'export.csv' },
    createdAt: new Date().toISOString(),
  });
  await client.put(payloadKey, payload);
  await client.put(
    formatBatchKey({ ...ref, area: 'incoming', file: 'manifest.json' }),
    Buffer.from(manifest),
  );
  return { batchId, duplicated: (rows[1] as (typeof rows)[0]).instrument };
}
