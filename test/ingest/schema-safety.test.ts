import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnSpec } from '../../core/csv/index.js';
import { formatBatchKey } from '../../core/keys.js';
import { MAX_VALUE_BYTES } from '../../core/table-shape.js';
import { type Batch, factorRows, floatColumns, makeBatch } from './batch-builder.js';
import { type DirectEnv, startDirect } from './harness.js';

const f32 = (name: string): ColumnSpec => ({ name, type: 'float32' });

function batchOf(dataset: string, columns: ColumnSpec[], date = '2024-04-01', instruments = 20): Batch {
  return makeBatch({ dataset, columns, rows: factorRows({ dates: [date], instruments, columns }) });
}

/** A batch whose second row breaks the codec (a blocking finding): it gets as far as the load, then rolls back. */
function brokenBatch(dataset: string, columns: ColumnSpec[], date = '2024-04-02'): Batch {
  const good = batchOf(dataset, columns, date, 3);
  const lines = good.csv.split('\n');
  lines[2] = lines[2]?.replace(/,[^,]*$/, ',not-a-number') ?? '';
  return makeBatch({
    dataset,
    columns,
    csv: lines.join('\n'),
    rowCount: 3,
    dateRange: { start: date, end: date },
  });
}

describe('ingest: schemas that pass validation but would break the table build', () => {
  let env: DirectEnv;
  beforeAll(async () => {
    env = await startDirect('schema_safety');
  });
  afterAll(async () => {
    await env?.close();
  });

  const reason = (batch: Batch) =>
    env.json(formatBatchKey({ ...batch, area: 'quarantine', file: 'reason.json' }));
  const registered = async (dataset: string) =>
    (await env.query('SELECT dataset FROM datasets WHERE dataset = ?', [dataset])).length > 0;
  const registeredColumns = async (dataset: string) =>
    (
      await env.query('SELECT column_name FROM dataset_columns WHERE dataset = ? ORDER BY ordinal', [dataset])
    ).map((r) => r.column_name);
  const columnsOf = async (table: string) =>
    (
      await env.query(
        `SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS
          WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
        [table],
      )
    ).map((r) => r.c);
  const ledger = async (batchId: string) =>
    (await env.query('SELECT status, error_code FROM batches WHERE batch_id = ?', [batchId]))[0];

  it('superseded_by (a history column) is reserved: the manifest is rejected, nothing is built', async () => {
    const batch = batchOf('s_reserved', [f32('a'), f32('superseded_by')]);
    expect(await env.ingest(batch)).toMatchObject({ status: 'rejected', code: 'MANIFEST_INVALID' });
    expect((await reason(batch)).manifestProblems).toContainEqual(
      expect.objectContaining({ path: '$.columns[1].name', value: 'superseded_by' }),
    );
    expect(await env.tablesOf('s_reserved')).toEqual([]);
    expect(await registered('s_reserved')).toBe(false);
  });

  it('1000 DOUBLE columns: SCHEMA_TOO_WIDE with reason.json, no schema left, and the next good batch loads', async () => {
    const wide = batchOf('s_wide', floatColumns(1000, 'D', 'float64'), '2024-04-01', 2);
    expect(await env.ingest(wide)).toMatchObject({ status: 'rejected', code: 'SCHEMA_TOO_WIDE' });
    expect(await ledger(wide.batchId)).toEqual({ status: 'rejected', error_code: 'SCHEMA_TOO_WIDE' });
    expect((await reason(wide)).summary).toContain(`${MAX_VALUE_BYTES} bytes`);
    expect(await env.tablesOf('s_wide')).toEqual([]);
    expect(await registered('s_wide')).toBe(false);
    const good = batchOf('s_wide', floatColumns(3, 'D', 'float64'), '2024-04-02');
    expect(await env.ingest(good)).toMatchObject({ status: 'loaded', rowsLoaded: 20 });
  });

  it('the widest table the bound allows is built by MySQL and takes a full row, restated into its history', async () => {
    const columns = floatColumns(MAX_VALUE_BYTES / 8, 'D', 'float64');
    const instrument = `SH${'9'.repeat(62)}`; // 64 characters, the longest code
    const row = (seed: number) => [
      {
        date: '2024-04-01',
        instrument,
        values: columns.map((_, i) => -1.25e-300 * (i + seed)),
      },
    ];
    const first = makeBatch({ dataset: 's_widest', columns, rows: row(1) });
    expect(await env.ingest(first)).toMatchObject({ status: 'loaded', rowsLoaded: 1 });
    const again = makeBatch({ dataset: 's_widest', columns, rows: row(2) });
    expect(await env.ingest(again)).toMatchObject({ status: 'loaded', restated: [first.batchId] });
    const [history] = await env.query(
      'SELECT COUNT(*) AS n FROM f_s_widest__history WHERE superseded_by = ?',
      [again.batchId],
    );
    expect(Number(history?.n)).toBe(1);
  });

  it('MySQL refusing the table (too many columns with those an operator added) is a rejection, taken back', async () => {
    const first = batchOf('s_refused', [f32('a'), f32('b')]);
    expect(await env.ingest(first)).toMatchObject({ status: 'loaded' });
    const byHand = floatColumns(1000, 'OPS').map((c) => `ADD COLUMN ${c.name} FLOAT NULL`);
    await env.query(`ALTER TABLE f_s_refused ${byHand.join(', ')}`); // 1005 columns of InnoDB's 1017
    const wider = batchOf('s_refused', [f32('a'), f32('b'), ...floatColumns(20, 'N')], '2024-04-02');
    expect(await env.ingest(wider)).toMatchObject({ status: 'rejected', code: 'SCHEMA_REFUSED' });
    expect((await reason(wider)).summary).toMatch(/MySQL refused the table/);
    expect(await ledger(wider.batchId)).toEqual({ status: 'rejected', error_code: 'SCHEMA_REFUSED' });
    for (const table of ['f_s_refused', 'f_s_refused__history']) {
      expect((await columnsOf(table)).filter((c) => /^N\d/.test(String(c)))).toEqual([]);
    }
    expect(await registeredColumns('s_refused')).toEqual(['a', 'b']);
    const next = batchOf('s_refused', [f32('a'), f32('b')], '2024-04-03');
    expect(await env.ingest(next)).toMatchObject({ status: 'loaded', rowsLoaded: 20 });
  });

  it.each(['load-data', 'insert'] as const)(
    'MySQL refusing a row as too large while loading (%s) is a rejection, never a bug; the registry learns nothing',
    async (loadMode) => {
      const dataset = `s_row_${loadMode.replace('-', '_')}`;
      const first = batchOf(dataset, [f32('a')]);
      expect(await env.ingest(first, { loadMode })).toMatchObject({ status: 'loaded' });
      // Columns an operator added that every row fills: 913 × 8 bytes per row before any of ours, and with the
      // batch's 100 new ones the table reaches InnoDB's 1017 columns exactly.
      const byHand = floatColumns(913, 'OPS', 'float64').map(
        (c) => `ADD COLUMN ${c.name} DOUBLE NOT NULL DEFAULT 0`,
      );
      await env.query(`ALTER TABLE f_${dataset} ${byHand.join(', ')}`);
      const wider = batchOf(dataset, [f32('a'), ...floatColumns(100, 'N', 'float64')], '2024-04-02');
      expect(await env.ingest(wider, { loadMode })).toMatchObject({
        status: 'rejected',
        code: 'SCHEMA_REFUSED',
      });
      expect((await reason(wider)).summary).toMatch(/Row size too large/);
      // MySQL cannot drop the added columns again from a table its operator made wider than InnoDB's row (any
      // rebuild is refused): they stay as unregistered leftovers, which the next batch that brings them adopts.
      expect(await registeredColumns(dataset)).toEqual(['a']);
      const [count] = await env.query(`SELECT COUNT(*) AS n FROM f_${dataset}`);
      expect(Number(count?.n)).toBe(20);
    },
  );

  it('a rejected first batch leaves no table and no registry row; a rejected evolution leaves no column', async () => {
    const broken = brokenBatch('s_undo', [f32('a')]);
    expect(await env.ingest(broken)).toMatchObject({ status: 'rejected', code: 'CSV_BAD_NUMBER' });
    expect(await env.tablesOf('s_undo')).toEqual([]);
    expect(await registered('s_undo')).toBe(false);

    expect(await env.ingest(batchOf('s_undo', [f32('a')]))).toMatchObject({ status: 'loaded' });
    const evolving = brokenBatch('s_undo', [f32('a'), f32('c')], '2024-04-03');
    expect(await env.ingest(evolving)).toMatchObject({ status: 'rejected', code: 'CSV_BAD_NUMBER' });
    expect(await columnsOf('f_s_undo')).toEqual(['trade_date', 'instrument', 'a', 'batch_id']);
    expect(await columnsOf('f_s_undo__history')).not.toContain('c');
    expect(await registeredColumns('s_undo')).toEqual(['a']);

    const good = batchOf('s_undo', [f32('a'), f32('c')], '2024-04-04');
    expect(await env.ingest(good)).toMatchObject({ status: 'loaded', rowsLoaded: 20 });
    expect(await registeredColumns('s_undo')).toEqual(['a', 'c']);
  });

  it('empty tables a dead attempt left behind are rebuilt; a table with rows nobody registered is refused', async () => {
    await env.query('CREATE TABLE f_s_left (trade_date DATE, x DOUBLE)');
    expect(await env.ingest(batchOf('s_left', [f32('a')]))).toMatchObject({
      status: 'loaded',
      rowsLoaded: 20,
    });
    expect(await columnsOf('f_s_left')).toEqual(['trade_date', 'instrument', 'a', 'batch_id']);

    await env.query('CREATE TABLE f_s_foreign (trade_date DATE, x DOUBLE)');
    await env.query("INSERT INTO f_s_foreign VALUES ('2024-01-02', 1)");
    const batch = batchOf('s_foreign', [f32('a')]);
    expect(await env.ingest(batch)).toMatchObject({ status: 'rejected', code: 'TABLE_UNREGISTERED' });
    expect(await env.query('SELECT COUNT(*) AS n FROM f_s_foreign')).toEqual([{ n: 1 }]);
  });

  it("a dataset whose table another dataset owns is refused (TABLE_OWNED): base's history is base's", async () => {
    expect(await env.ingest(batchOf('s_base', [f32('a')]))).toMatchObject({ status: 'loaded' });
    // Registered before names with "__" were refused: its table is s_base's history table.
    await env.query(
      `INSERT INTO datasets (dataset, kind, table_name, contract, created_at, updated_at)
       VALUES ('s_base__history', 'factors', 'f_s_base__history', 'evolve', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`,
    );
    const base = batchOf('s_base', [f32('a')], '2024-04-05');
    expect(await env.ingest(base)).toMatchObject({ status: 'rejected', code: 'TABLE_OWNED' });
    expect((await reason(base)).summary).toContain('s_base__history');
    // A registry row that names another dataset's table as its own is refused the same way.
    await env.query(
      `INSERT INTO datasets (dataset, kind, table_name, contract, created_at, updated_at)
       VALUES ('s_own', 'factors', 'f_s_other', 'evolve', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`,
    );
    const own = batchOf('s_own', [f32('a')], '2024-04-05');
    expect(await env.ingest(own)).toMatchObject({ status: 'rejected', code: 'TABLE_OWNED' });
    expect(await env.tablesOf('s_own')).toEqual([]);
    expect(await env.query('SELECT COUNT(*) AS n FROM f_s_base')).toEqual([{ n: 20 }]);
  });
});
