import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type OSS from 'ali-oss';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { formatBatchId } from '../../core/batch-id.js';
import { type BatchRef, formatBatchKey } from '../../core/keys.js';
import { formatManifest } from '../../core/manifest.js';
import type { LocalStack } from '../../local/stack.js';
import type { PayloadFile } from './payload-file.js';

export const FUNCTION = 'qlib-ingest';

export interface IngestRun {
  ms: number;
  rows: number;
  status: string;
  /** peak resident set of the FC instance (child process) that served the invocation */
  maxRssMiB: number | undefined;
}

/**
 * One batch end to end on the local stack: the payload is uploaded (not timed), then the manifest; the OSS
 * trigger invokes the bundled function in its instance process; the figure is the invocation's duration.
 */
export async function ingestThroughStack(
  stack: LocalStack,
  client: OSS,
  pool: Pool,
  payload: PayloadFile,
  dataset: string,
): Promise<IngestRun> {
  const { batchId, manifestKey, manifest } = await stagePayload(client, payload, dataset);
  const seen = new Set(stack.fc.invocations().map((r) => r.requestId));
  await client.put(manifestKey, manifest);
  const [record] = await stack.fc.waitForInvocations(
    (r) => r.fn === FUNCTION && !seen.has(r.requestId),
    1,
    30 * 60_000,
  );
  const [row] = (
    await pool.query<RowDataPacket[]>('SELECT status, rows_loaded FROM batches WHERE batch_id = ?', [batchId])
  )[0];
  return {
    ms: record?.durationMs ?? Number.NaN,
    rows: Number(row?.rows_loaded ?? 0),
    status: String(row?.status ?? record?.status),
    maxRssMiB: record?.pid === undefined ? undefined : peakRssMiB(record.pid),
  };
}

/** VmHWM of a live process (Linux): the peak resident set since it started. */
export function peakRssMiB(pid: number): number | undefined {
  try {
    const kb = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** Start an instance before timing anything: a cold start is not ingest throughput. */
export async function warmUp(stack: LocalStack): Promise<void> {
  await stack.fc.invoke(FUNCTION, 'warm-up: not an OSS event');
}

/**
 * Upload a bench payload as the agent would, up to its manifest: the payload is put, the manifest returned
 * (putting it is what starts ingest, so the caller times from there).
 */
export async function stagePayload(
  client: OSS,
  payload: PayloadFile,
  dataset: string,
): Promise<{ batchId: string; ref: BatchRef; manifestKey: string; manifest: Buffer }> {
  const batchId = formatBatchId(new Date(), randomBytes(6).toString('hex'));
  const ref = { kind: 'factors' as const, dataset, batchId };
  const payloadKey = formatBatchKey({ ...ref, area: 'incoming', file: 'data.csv.gz' });
  await client.put(payloadKey, payload.gz);
  const manifest = formatManifest({
    formatVersion: 1,
    ...ref,
    frequency: 'day',
    dateRange: { start: payload.dates[0] as string, end: payload.dates[payload.dates.length - 1] as string },
    columns: payload.columns,
    rowCount: payload.rows,
    payload: { key: payloadKey, format: 'csv', compression: 'gzip', ...payload.digest },
    producer: { host: 'bench', agentVersion: '0.0.0-bench', sourcePath: payload.gz },
    createdAt: new Date().toISOString(),
  });
  const manifestKey = formatBatchKey({ ...ref, area: 'incoming', file: 'manifest.json' });
  return { batchId, ref, manifestKey, manifest: Buffer.from(manifest) };
}
