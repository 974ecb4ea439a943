import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBatchStatus } from '../../core/batch-status.js';
import { formatBatchKey, formatStatusKey } from '../../core/keys.js';
import { businessDays, factorRows, floatColumns, makeBatch } from './batch-builder.js';
import { type DirectEnv, startDirect } from './harness.js';

const DAY = { start: '2024-03-01', end: '2024-03-01' };

describe('ingest: loading a batch', () => {
  let env: DirectEnv;
  beforeAll(async () => {
    env = await startDirect('load');
  });
  afterAll(async () => {
    await env?.close();
  });

  it('loads every row into f_<dataset>, settles the ledger, moves the objects and writes the status', async () => {
    const columns = floatColumns(6);
    const rows = factorRows({ dates: businessDays('2024-01-02', 3), instruments: 40, columns });
    const batch = makeBatch({ dataset: 'alpha', columns, rows });
    const outcome = await env.ingest(batch);

    expect(outcome).toEqual({
      status: 'loaded',
      batchId: batch.batchId,
      rowsLoaded: 120,
      warnings: [],
      restated: [],
    });
    const [count] = await env.query('SELECT COUNT(*) AS n FROM f_alpha WHERE batch_id = ?', [batch.batchId]);
    expect(Number(count?.n)).toBe(120);
    const [ledger] = await env.query(
      'SELECT status, rows_loaded, attempts, lease_expires_at FROM batches WHERE batch_id = ?',
      [batch.batchId],
    );
    expect(ledger).toMatchObject({ status: 'loaded', rows_loaded: 120, attempts: 1, lease_expires_at: null });
    const [content] = await env.query(
      'SELECT batch_id FROM loaded_contents WHERE dataset = ? AND content_sha256 = ?',
      ['alpha', batch.manifest.payload.sha256],
    );
    expect(content?.batch_id).toBe(batch.batchId);
    const events = await env.query(
      'SELECT event, from_status, to_status FROM batch_events WHERE batch_id = ? ORDER BY id',
      [batch.batchId],
    );
    expect(events.map((e) => e.event)).toEqual(['claimed', 'loaded']);

    expect(await env.exists(batch.manifestKey)).toBe(false);
    expect(await env.exists(batch.payloadKey)).toBe(false);
    expect(await env.exists(formatBatchKey({ ...batch, area: 'loaded', file: 'manifest.json' }))).toBe(true);
    expect(await env.exists(formatBatchKey({ ...batch, area: 'loaded', file: 'data.csv.gz' }))).toBe(true);
    const status = parseBatchStatus(JSON.stringify(await env.json(formatStatusKey(batch))));
    expect(status).toMatchObject({ status: 'loaded', rowsLoaded: 120, batchId: batch.batchId, warnings: [] });
  });

  it('stores every float32 value bit for bit, NULLs as NULL, on both the LOAD DATA and the INSERT path', async () => {
    const columns = [
      { name: 'f32', type: 'float32' as const },
      { name: 'f64', type: 'float64' as const },
    ];
    const specials = [
      -0,
      0.1,
      1e-7,
      3.4028234663852886e38,
      1.401298464324817e-45,
      -1.1754943508222875e-38,
      123456792,
      Number.NaN,
    ];
    const values = (seed: number) => specials.map((v, i) => [Math.fround(v * (1 + seed)), v + i]);
    const load = async (dataset: string, mode: 'load-data' | 'insert') => {
      const rows = values(0).map(([a, b], i) => ({
        date: '2024-03-01',
        instrument: `I${i}`,
        values: [a as number, b as number],
      }));
      const batch = makeBatch({ dataset, columns, rows });
      expect(await env.ingest(batch, { loadMode: mode })).toMatchObject({
        status: 'loaded',
        rowsLoaded: rows.length,
      });
      return env.query(`SELECT instrument, f32, f64 FROM f_${dataset} ORDER BY instrument`);
    };
    const viaLoad = await load('bits_load', 'load-data');
    const viaInsert = await load('bits_insert', 'insert');
    expect(viaInsert).toEqual(viaLoad);
    for (const [i, [a, b]] of values(0).entries()) {
      const row = viaLoad.find((r) => r.instrument === `I${i}`);
      if (Number.isNaN(a)) expect(row?.f32).toBeNull();
      else if (Object.is(a, -0))
        expect(Object.is(row?.f32, 0)).toBe(true); // MySQL keeps no negative zero
      else expect(Object.is(row?.f32, a)).toBe(true);
      if (Number.isNaN(b)) expect(row?.f64).toBeNull();
      else expect(row?.f64).toBe(b);
    }
  });

  it('stores numbers passed to LOAD DATA as written (more digits than the shortest) bit for bit as the INSERT path', async () => {
    // Plain decimals of 7-15 significant digits go to LOAD DATA as they are (core/csv MysqlParseOptions): MySQL
    // must round them to FLOAT exactly as the parser did, or the two paths (and the rules) would disagree.
    const columns = [
      { name: 'f32', type: 'float32' as const },
      { name: 'f64', type: 'float64' as const },
    ];
    let seed = 7;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const texts: string[] = ['0.100000001', '-1.17549435e-38', '3.40282346e38', '16777217', '0.333333343'];
    for (let i = 0; i < 200; i++) {
      const v = (random() - 0.5) * 10 ** Math.floor(random() * 16 - 8);
      texts.push(String(Number(v.toPrecision(7 + (i % 9)))));
    }
    const csv = `datetime,instrument,f32,f64\n${texts.map((t, i) => `2024-03-01,I${i},${t},${t}\n`).join('')}`;
    const load = async (dataset: string, mode: 'load-data' | 'insert') => {
      const batch = makeBatch({ dataset, columns, csv, rowCount: texts.length, dateRange: DAY });
      expect(await env.ingest(batch, { loadMode: mode })).toMatchObject({ status: 'loaded' });
      return env.query(`SELECT instrument, f32, f64 FROM f_${dataset} ORDER BY instrument`);
    };
    const viaLoad = await load('digits_load', 'load-data');
    const viaInsert = await load('digits_insert', 'insert');
    expect(viaLoad).toHaveLength(texts.length);
    expect(viaLoad).toEqual(viaInsert);
    for (const [i, text] of texts.entries()) {
      const row = viaLoad.find((r) => r.instrument === `I${i}`);
      expect(row?.f32, text).toBe(Math.fround(Number(text)));
      expect(row?.f64, text).toBe(Number(text));
    }
  });

  it('loads a calendar batch into trading_calendar and replaces its date range when pushed again', async () => {
    const days = businessDays('2023-12-01', 20);
    const first = makeBatch({ dataset: 'cn', kind: 'calendar', days });
    expect(await env.ingest(first)).toMatchObject({ status: 'loaded', rowsLoaded: 20 });
    const fewer = days.filter((_, i) => i !== 5);
    const second = makeBatch({
      dataset: 'cn',
      kind: 'calendar',
      days: fewer,
      dateRange: { start: days[0] as string, end: days[19] as string },
    });
    expect(await env.ingest(second)).toMatchObject({
      status: 'loaded',
      rowsLoaded: 19,
      restated: [first.batchId],
    });
    const stored = await env.query(
      "SELECT trade_date, batch_id FROM trading_calendar WHERE calendar = 'cn' ORDER BY trade_date",
    );
    expect(stored.map((r) => r.trade_date)).toEqual(fewer);
    expect(new Set(stored.map((r) => r.batch_id))).toEqual(new Set([second.batchId]));
  });

  it('takes identical content under another batch id as a duplicate and loads nothing', async () => {
    const columns = floatColumns(3);
    const rows = factorRows({ dates: ['2024-02-01'], instruments: 30, columns, seed: 7 });
    const original = makeBatch({ dataset: 'dups', columns, rows });
    await env.ingest(original);
    const twin = makeBatch({ dataset: 'dups', columns, rows });
    expect(twin.manifest.payload.sha256).toBe(original.manifest.payload.sha256);

    expect(await env.ingest(twin)).toEqual({
      status: 'duplicate',
      batchId: twin.batchId,
      duplicateOf: original.batchId,
    });
    const [ledger] = await env.query('SELECT status, duplicate_of FROM batches WHERE batch_id = ?', [
      twin.batchId,
    ]);
    expect(ledger).toMatchObject({ status: 'duplicate', duplicate_of: original.batchId });
    const [count] = await env.query('SELECT COUNT(*) AS n FROM f_dups');
    expect(Number(count?.n)).toBe(30);
    const status = await env.json(formatStatusKey(twin));
    expect(status).toMatchObject({ status: 'duplicate', duplicateOf: original.batchId });
    expect(await env.exists(twin.manifestKey)).toBe(false);
  });

  it('treats a redelivered event as a no-op that heals the housekeeping a crash left undone', async () => {
    const columns = floatColumns(2);
    const batch = makeBatch({
      dataset: 'heal',
      columns,
      rows: factorRows({ dates: ['2024-02-05'], instruments: 25, columns }),
    });
    await env.ingest(batch);
    // As if the instance died after the commit: the objects still in incoming/, no status object.
    await env.upload(batch);
    await env.client.delete(formatStatusKey(batch));

    expect(await env.deliver(batch)).toEqual({
      status: 'duplicate',
      batchId: batch.batchId,
      redelivered: 'loaded',
    });
    expect(await env.exists(batch.manifestKey)).toBe(false);
    expect(await env.exists(batch.payloadKey)).toBe(false);
    expect(await env.json(formatStatusKey(batch))).toMatchObject({ status: 'loaded', rowsLoaded: 25 });
    const [count] = await env.query('SELECT COUNT(*) AS n FROM f_heal');
    expect(Number(count?.n)).toBe(25);
    const [ledger] = await env.query('SELECT attempts FROM batches WHERE batch_id = ?', [batch.batchId]);
    expect(ledger?.attempts).toBe(1);
    // An event for a manifest that is gone (moved by the first delivery) is the same no-op.
    expect(await env.deliver(batch)).toMatchObject({ status: 'duplicate', redelivered: 'loaded' });
  });
});
