import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessDays, factorRows, floatColumns, makeBatch } from './batch-builder.js';
import { type DirectEnv, startDirect } from './harness.js';

describe('ingest: restatements replace whole dates and keep the history', () => {
  let env: DirectEnv;
  beforeAll(async () => {
    env = await startDirect('restate');
  });
  afterAll(async () => {
    await env?.close();
  });

  it('replaces the overlapping dates, copies the replaced rows to <table>__history, and names the predecessors', async () => {
    const columns = floatColumns(2);
    const days = businessDays('2024-04-01', 4); // d0..d3
    const a = makeBatch({
      dataset: 'rs',
      columns,
      rows: factorRows({ dates: days.slice(0, 3), instruments: 25, columns, seed: 1 }),
    });
    expect(await env.ingest(a)).toMatchObject({ status: 'loaded', rowsLoaded: 75, restated: [] });

    // B restates d1, d2 with new values (and one instrument fewer on those dates) and adds d3.
    const bRows = factorRows({ dates: days.slice(1), instruments: 24, columns, seed: 2 });
    const b = makeBatch({ dataset: 'rs', columns, rows: bRows });
    expect(await env.ingest(b)).toMatchObject({ status: 'loaded', rowsLoaded: 72, restated: [a.batchId] });

    const perDay = await env.query(
      'SELECT trade_date, batch_id, COUNT(*) AS n FROM f_rs GROUP BY trade_date, batch_id ORDER BY trade_date',
    );
    expect(perDay.map((r) => [r.trade_date, r.batch_id, Number(r.n)])).toEqual([
      [days[0], a.batchId, 25],
      [days[1], b.batchId, 24],
      [days[2], b.batchId, 24],
      [days[3], b.batchId, 24],
    ]);
    const [value] = await env.query('SELECT F0 FROM f_rs WHERE trade_date = ? AND instrument = ?', [
      days[1],
      'SH600000',
    ]);
    expect(value?.F0).toBe(bRows.find((r) => r.date === days[1] && r.instrument === 'SH600000')?.values[0]);

    const history = await env.query(
      'SELECT batch_id, superseded_by, COUNT(*) AS n FROM f_rs__history GROUP BY batch_id, superseded_by',
    );
    expect(history.map((r) => [r.batch_id, r.superseded_by, Number(r.n)])).toEqual([
      [a.batchId, b.batchId, 50],
    ]);
    const [kept] = await env.query('SELECT F0 FROM f_rs__history WHERE trade_date = ? AND instrument = ?', [
      days[1],
      'SH600024',
    ]);
    expect(kept).toBeDefined(); // the instrument B dropped is still in the history

    const [ledger] = await env.query('SELECT restates_batch_id FROM batches WHERE batch_id = ?', [b.batchId]);
    expect(ledger?.restates_batch_id).toBe(a.batchId);
    const [event] = await env.query(
      "SELECT detail FROM batch_events WHERE batch_id = ? AND event = 'restated'",
      [b.batchId],
    );
    expect(JSON.parse(String(event?.detail))).toEqual({
      predecessors: [{ batchId: a.batchId, rows: 50 }],
      rowsReplaced: 50,
    });

    // C restates everything: both predecessors, the most recent one is restates_batch_id.
    const c = makeBatch({
      dataset: 'rs',
      columns,
      rows: factorRows({ dates: days, instruments: 25, columns, seed: 3 }),
    });
    expect(await env.ingest(c)).toMatchObject({
      status: 'loaded',
      rowsLoaded: 100,
      restated: [b.batchId, a.batchId],
    });
    const [cLedger] = await env.query('SELECT restates_batch_id FROM batches WHERE batch_id = ?', [
      c.batchId,
    ]);
    expect(cLedger?.restates_batch_id).toBe(b.batchId);
    const [cEvent] = await env.query(
      "SELECT detail FROM batch_events WHERE batch_id = ? AND event = 'restated'",
      [c.batchId],
    );
    expect(JSON.parse(String(cEvent?.detail)).predecessors).toEqual([
      { batchId: b.batchId, rows: 72 },
      { batchId: a.batchId, rows: 25 },
    ]);
    const [total] = await env.query('SELECT COUNT(*) AS n FROM f_rs__history');
    expect(Number(total?.n)).toBe(50 + 72 + 25);
  });

  it('reverting to earlier content (A, then B, then A again) loads A as a restatement, not a duplicate', async () => {
    const columns = floatColumns(2);
    const days = businessDays('2024-06-03', 2);
    const aRows = factorRows({ dates: days, instruments: 21, columns, seed: 11 });
    const a = makeBatch({ dataset: 'rs_back', columns, rows: aRows });
    const b = makeBatch({
      dataset: 'rs_back',
      columns,
      rows: factorRows({ dates: days, instruments: 21, columns, seed: 12 }),
    });
    expect(await env.ingest(a)).toMatchObject({ status: 'loaded', rowsLoaded: 42 });
    expect(await env.ingest(b)).toMatchObject({ status: 'loaded', restated: [a.batchId] });

    // A's exact bytes under a new batch id: B's values must give way to A's again.
    const again = makeBatch({ dataset: 'rs_back', columns, rows: aRows });
    expect(again.payload.equals(a.payload)).toBe(true);
    expect(await env.ingest(again)).toMatchObject({
      status: 'loaded',
      rowsLoaded: 42,
      restated: [b.batchId],
    });
    const stored = await env.query('SELECT trade_date, instrument, F0, F1, batch_id FROM f_rs_back');
    expect(new Set(stored.map((r) => r.batch_id))).toEqual(new Set([again.batchId]));
    const aValues = (r: (typeof stored)[0]) =>
      aRows.find((x) => x.date === r.trade_date && x.instrument === r.instrument)?.values;
    for (const r of stored) expect([r.F0, r.F1]).toEqual(aValues(r));

    const history = await env.query(
      'SELECT batch_id, superseded_by, COUNT(*) AS n FROM f_rs_back__history GROUP BY batch_id, superseded_by',
    );
    expect(history.map((r) => [r.batch_id, r.superseded_by, Number(r.n)]).sort()).toEqual(
      [
        [a.batchId, b.batchId, 42],
        [b.batchId, again.batchId, 42],
      ].sort(),
    );
    const [event] = await env.query(
      "SELECT detail FROM batch_events WHERE batch_id = ? AND event = 'restated'",
      [again.batchId],
    );
    expect(JSON.parse(String(event?.detail)).predecessors).toEqual([{ batchId: b.batchId, rows: 42 }]);
    // What loaded_contents names is what the table holds: only the batch loaded last.
    const contents = await env.query('SELECT batch_id FROM loaded_contents WHERE dataset = ?', ['rs_back']);
    expect(contents).toEqual([{ batch_id: again.batchId }]);
  });

  it('a rejected restatement leaves the old rows in place and the history untouched', async () => {
    const columns = floatColumns(1);
    const good = makeBatch({
      dataset: 'rs_keep',
      columns,
      rows: factorRows({ dates: ['2024-05-06'], instruments: 22, columns }),
    });
    await env.ingest(good);
    const rows = factorRows({ dates: ['2024-05-06'], instruments: 22, columns, seed: 9 });
    rows.push({ ...(rows[0] as (typeof rows)[0]) }); // a duplicate key at the end
    const bad = makeBatch({ dataset: 'rs_keep', columns, rows });
    expect(await env.ingest(bad)).toMatchObject({ status: 'rejected', code: 'DUPLICATE_KEY' });
    const [count] = await env.query('SELECT COUNT(*) AS n FROM f_rs_keep WHERE batch_id = ?', [good.batchId]);
    expect(Number(count?.n)).toBe(22);
    const [history] = await env.query('SELECT COUNT(*) AS n FROM f_rs_keep__history');
    expect(Number(history?.n)).toBe(0);
  });
});
