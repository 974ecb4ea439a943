import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnSpec } from '../../core/csv/index.js';
import { digestBytes } from '../../core/digest.js';
import { formatBatchKey } from '../../core/keys.js';
import { type Batch, factorRows, floatColumns, makeBatch } from './batch-builder.js';
import { type DirectEnv, startDirect } from './harness.js';

const COLUMNS: ColumnSpec[] = floatColumns(2);

interface Finding {
  code: string;
  examples: { detail?: string }[];
}

/** A batch whose payload is `raw` (uncompressed text) gzip'd at level 9, the manifest describing those bytes. */
function rawBatch(dataset: string, raw: Buffer, rowCount: number, date = '2024-06-03'): Batch {
  const payload = gzipSync(raw, { level: 9 });
  return makeBatch({
    dataset,
    columns: COLUMNS,
    csv: 'unused',
    payloadOverride: payload,
    rowCount,
    dateRange: { start: date, end: date },
    patch: (m) => {
      m.payload = { ...m.payload, ...digestBytes(payload) };
    },
  });
}

describe('ingest: bombs and unbounded state are stopped, each with its own code', () => {
  let env: DirectEnv;
  beforeAll(async () => {
    env = await startDirect('bombs', { MAX_INSTRUMENTS: '1000' });
  });
  afterAll(async () => {
    await env?.close();
  });

  const reasonOf = async (batch: Batch) =>
    (await env.json(formatBatchKey({ ...batch, area: 'quarantine', file: 'reason.json' }))) as {
      code: string;
      findings: Finding[];
    };

  it('a gzip bomb (64 MiB from a few KiB) stops once it inflates past its manifest: PAYLOAD_INFLATED_TOO_LARGE', async () => {
    const head = Buffer.from('datetime,instrument,F0,F1\n2024-06-03,SH600000,1,2\n');
    const bomb = makeBomb(head, 64 * 1024 * 1024);
    const batch = rawBatch('b_bomb', bomb, 1);
    expect(batch.payload.length).toBeLessThan(200 * 1024);
    // Reading on would end in CSV_LINE_TOO_LONG after inflating all 64 MiB; the cap stops it first.
    expect(await env.ingest(batch)).toMatchObject({ status: 'rejected', code: 'PAYLOAD_INFLATED_TOO_LARGE' });
    const reason = await reasonOf(batch);
    expect(reason.findings.map((f) => f.code)).toEqual(['PAYLOAD_INFLATED_TOO_LARGE']);
    expect(reason.findings[0]?.examples[0]?.detail).toMatch(/uncompressed from \d+ gzip bytes/);
  });

  it('rows beyond the manifest rowCount stop the reading: ROW_COUNT_EXCEEDED, not a mismatch count', async () => {
    const rows = factorRows({ dates: ['2024-06-03'], instruments: 2000, columns: COLUMNS });
    const batch = makeBatch({ dataset: 'b_rows', columns: COLUMNS, rows, rowCount: 5 });
    expect(await env.ingest(batch)).toMatchObject({ status: 'rejected', code: 'ROW_COUNT_EXCEEDED' });
    const reason = await reasonOf(batch);
    expect(reason.findings.map((f) => f.code)).toEqual(['ROW_COUNT_EXCEEDED']);
    expect(reason.findings[0]?.examples[0]?.detail).toBe('line 7 is data line 6; the manifest says 5');
  });

  it('more distinct instruments than MAX_INSTRUMENTS: INSTRUMENT_LIMIT_EXCEEDED, reading stops', async () => {
    const rows = factorRows({ dates: ['2024-06-03'], instruments: 1200, columns: COLUMNS });
    const batch = makeBatch({ dataset: 'b_instruments', columns: COLUMNS, rows });
    expect(await env.ingest(batch)).toMatchObject({ status: 'rejected', code: 'INSTRUMENT_LIMIT_EXCEEDED' });
    const reason = await reasonOf(batch);
    expect(reason.findings.map((f) => f.code)).toEqual(['INSTRUMENT_LIMIT_EXCEEDED']);
    expect(await env.tablesOf('b_instruments')).toEqual([]);
  });

  it('a wide all-NULL batch (hundreds to one compressed) is not a bomb: it loads', async () => {
    const columns = floatColumns(1000, 'N');
    const rows = factorRows({ dates: ['2024-06-03', '2024-06-04'], instruments: 300, columns });
    for (const row of rows) row.values.fill(Number.NaN);
    const batch = makeBatch({ dataset: 'b_nulls', columns, rows });
    const ratio = Buffer.byteLength(batch.csv) / batch.payload.length;
    expect(ratio).toBeGreaterThan(200);
    expect(await env.ingest(batch)).toMatchObject({ status: 'loaded', rowsLoaded: 600 });
  });
});

/** `head`, then `size` bytes of '0' on one line: gzip shrinks it ~1000:1. */
function makeBomb(head: Buffer, size: number): Buffer {
  return Buffer.concat([head, Buffer.alloc(size, 0x30)]);
}
