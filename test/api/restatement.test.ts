import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ColumnSpec, CsvRowWriter, formatFloat32 } from '../../core/csv/index.js';
import { type Batch, businessDays, floatColumns, makeBatch } from '../ingest/batch-builder.js';
import { type ApiEnvironment, startApi } from './api-harness.js';

/** A value that depends on the row, the column and the batch's version: old and new are told apart. */
function value(day: number, instrument: number, column: number, version: number): number {
  return Math.fround(
    ((day * 7919 + instrument * 104729 + column * 31 + version * 17) % 100_003) / 997 - 50 + version,
  );
}

function instrumentCode(i: number): string {
  return `SH6${String(i).padStart(5, '0')}`;
}

/** A factor batch over days [from, to) of `days` and the given instruments, every value at `version`. */
function grid(
  dataset: string,
  days: string[],
  from: number,
  to: number,
  instruments: number[],
  columns: ColumnSpec[],
  version: number,
): Batch {
  const writer = new CsvRowWriter({ kind: 'factors', columns });
  writer.header();
  const values = new Float64Array(columns.length);
  for (let d = from; d < to; d++) {
    for (const i of instruments) {
      for (let c = 0; c < columns.length; c++) values[c] = value(d, i, c, version);
      writer.row(days[d] as string, instrumentCode(i), values);
    }
  }
  const csv = writer.take().toString('latin1');
  return makeBatch({
    dataset,
    columns,
    csv,
    rowCount: (to - from) * instruments.length,
    dateRange: { start: days[from] as string, end: days[to - 1] as string },
  });
}

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

describe('values as of a snapshot: restatements', () => {
  let api: ApiEnvironment;
  let reader: string;
  let status: string;

  beforeAll(async () => {
    api = await startApi('restate');
    reader = await api.token(['read:data'], 'reader');
    status = await api.token(['read:status'], 'status');
  });

  afterAll(async () => {
    await api?.close();
  });

  async function loadedAt(batchId: string): Promise<string> {
    const r = await api.json(`/v1/batches/${batchId}`, status);
    expect(r.body.status).toBe('loaded');
    return r.body.finishedAt;
  }

  async function rowsAsOf(query: string): Promise<{ rows: unknown[][]; etag: string | null }> {
    const r = await api.call(`/v1/datasets/small/values?fields=F0,F1&limit=100000${query}`, reader);
    const body = (await r.json()) as { next: string | null; rows: unknown[][] };
    expect(r.status, JSON.stringify(body)).toBe(200);
    expect(body.next).toBeNull();
    return { rows: body.rows, etag: r.headers.get('etag') };
  }

  it('answers old values with as_of before a restatement and new values after it (rows it dropped included)', async () => {
    const days = businessDays('2024-01-02', 5);
    const cols = floatColumns(2);
    const a = grid('small', days, 0, 5, range(20), cols, 1);
    expect(await api.push(a)).toMatchObject({ status: 'loaded' });
    // B restates days 1..2 without instrument 19, C restates day 2 again: two generations of history.
    const b = grid('small', days, 1, 3, range(19), cols, 2);
    expect(await api.push(b)).toMatchObject({ status: 'loaded' });
    const c = grid('small', days, 2, 3, range(20), cols, 3);
    expect(await api.push(c)).toMatchObject({ status: 'loaded' });
    const [atA, atB, atC] = [await loadedAt(a.batchId), await loadedAt(b.batchId), await loadedAt(c.batchId)];

    const expected = (versionOf: (day: number) => number, has: (day: number, i: number) => boolean) =>
      range(5).flatMap((d) =>
        range(20)
          .filter((i) => has(d, i))
          .map((i) => [
            days[d],
            instrumentCode(i),
            Number(formatFloat32(value(d, i, 0, versionOf(d)))),
            Number(formatFloat32(value(d, i, 1, versionOf(d)))),
          ]),
      );
    const asA = expected(
      () => 1,
      () => true,
    );
    const asB = expected(
      (d) => (d === 1 || d === 2 ? 2 : 1),
      (d, i) => !(i === 19 && (d === 1 || d === 2)),
    );
    const asC = expected(
      (d) => (d === 1 ? 2 : d === 2 ? 3 : 1),
      (d, i) => !(i === 19 && d === 1),
    );

    expect(await rowsAsOf(`&as_of=${atA}`)).toEqual({ rows: asA, etag: `"${a.batchId}"` });
    expect(await rowsAsOf(`&as_of=${atB}`)).toEqual({ rows: asB, etag: `"${b.batchId}"` });
    expect(await rowsAsOf(`&as_of=${atC}`)).toEqual({ rows: asC, etag: `"${c.batchId}"` });
    expect(await rowsAsOf('')).toEqual({ rows: asC, etag: `"${c.batchId}"` });
    // Between A and B (a moment after A, in another zone's notation) is still A.
    const between = new Date(Date.parse(atA) + 1);
    expect(between.getTime()).toBeLessThan(Date.parse(atB));
    const shanghai = new Date(between.getTime() + 8 * 3600_000).toISOString().replace('Z', '+08:00');
    expect((await rowsAsOf(`&as_of=${encodeURIComponent(shanghai)}`)).rows).toEqual(asA);
    // Before anything was loaded: nothing, and no snapshot.
    const before = new Date(Date.parse(atA) - 1).toISOString();
    expect(await rowsAsOf(`&as_of=${before}`)).toEqual({ rows: [], etag: '"empty"' });
    // A filtered read goes through the same history.
    const one = await rowsAsOf(`&as_of=${atA}&instruments=${instrumentCode(19)}`);
    expect(one.rows).toEqual(asA.filter((r) => r[1] === instrumentCode(19)));
  });

  it('pages through 250 days × 300 instruments × 158 fields exactly once, from one snapshot, while a restatement commits mid-way', async () => {
    const days = businessDays('2023-01-02', 250);
    const cols = floatColumns(158, 'A');
    const a = grid('wide', days, 0, 250, range(300), cols, 1);
    expect(await api.push(a)).toMatchObject({ status: 'loaded', rows_loaded: 75_000 });
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    let restated = false;
    let complete: string | null = null;
    do {
      const r = await api.call(
        `/v1/datasets/wide/values${cursor === null ? '' : `?cursor=${cursor}`}`,
        reader,
      );
      expect(r.status).toBe(200);
      expect(r.headers.get('etag')).toBe(`"${a.batchId}"`);
      const text = await r.text();
      expect(Buffer.byteLength(text)).toBeLessThan(8 * 1024 * 1024 + 4096);
      const body = JSON.parse(text);
      complete ??= body.completeThrough;
      expect(body.completeThrough).toBe(complete);
      for (const row of body.rows as unknown[][]) {
        const key = `${row[0]}|${row[1]}`;
        expect(seen.has(key), `row ${key} twice`).toBe(false);
        seen.add(key);
        const d = days.indexOf(row[0] as string);
        const i = Number(String(row[1]).slice(3));
        for (let c = 0; c < 158; c += 1) {
          if (row[c + 2] !== Number(formatFloat32(value(d, i, c, 1)))) {
            throw new Error(`${key} column A${c}: ${row[c + 2]} is not the snapshot's value`);
          }
        }
      }
      pages += 1;
      cursor = body.next;
      if (pages === 3) {
        // Days 100..199 restated (new values, 10 instruments fewer) and committed before page 4 is read.
        expect(seen.size).toBeLessThan(100 * 300);
        const b = grid('wide', days, 100, 200, range(290), cols, 2);
        expect(await api.push(b)).toMatchObject({ status: 'loaded', rows_loaded: 29_000 });
        restated = true;
      }
    } while (cursor !== null);
    expect(restated).toBe(true);
    expect(pages).toBeGreaterThan(4);
    expect(seen.size).toBe(75_000);
    // A new read sees the restatement.
    const fresh = await api.json(
      `/v1/datasets/wide/values?fields=A0&start=${days[150]}&end=${days[150]}`,
      reader,
    );
    expect(fresh.body.rows).toHaveLength(290);
    expect(fresh.body.rows[0]).toEqual([
      days[150],
      instrumentCode(0),
      Number(formatFloat32(value(150, 0, 0, 2))),
    ]);
  }, 300_000);
});
