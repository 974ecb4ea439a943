import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnSpec } from '../../core/csv/index.js';
import { planSchema } from '../../functions/ingest/schema.js';
import { factorRows, makeBatch } from './batch-builder.js';
import { type DirectEnv, startDirect } from './harness.js';

const f32 = (name: string): ColumnSpec => ({ name, type: 'float32' });
const f64 = (name: string): ColumnSpec => ({ name, type: 'float64' });

function batchOf(dataset: string, columns: ColumnSpec[], date = '2024-01-02', seed = 1) {
  return makeBatch({ dataset, columns, rows: factorRows({ dates: [date], instruments: 30, columns, seed }) });
}

describe('ingest: the dataset registry and schema evolution', () => {
  let env: DirectEnv;
  beforeAll(async () => {
    env = await startDirect('registry');
  });
  afterAll(async () => {
    await env?.close();
  });

  it('registers an unknown dataset with the configured contract, or rejects it (UNKNOWN_DATASET)', async () => {
    const batch = batchOf('r_new', [f32('KMID'), f64('close')]);
    expect(await env.ingest(batch, { config: { schemaContract: 'freeze' } })).toMatchObject({
      status: 'loaded',
    });
    const [dataset] = await env.query(
      "SELECT kind, table_name, contract, inf_policy FROM datasets WHERE dataset = 'r_new'",
    );
    expect(dataset).toEqual({
      kind: 'factors',
      table_name: 'f_r_new',
      contract: 'freeze',
      inf_policy: 'reject',
    });
    const columns = await env.query(
      "SELECT column_name, column_type, ordinal, added_by_batch FROM dataset_columns WHERE dataset = 'r_new' ORDER BY ordinal",
    );
    expect(columns).toEqual([
      { column_name: 'KMID', column_type: 'float32', ordinal: 1, added_by_batch: batch.batchId },
      { column_name: 'close', column_type: 'float64', ordinal: 2, added_by_batch: batch.batchId },
    ]);
    const types = await env.query(
      "SELECT COLUMN_NAME AS c, DATA_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'f_r_new' ORDER BY ORDINAL_POSITION",
    );
    expect(types.map((r) => `${r.c}:${r.t}`)).toEqual([
      'trade_date:date',
      'instrument:varchar',
      'KMID:float',
      'close:double',
      'batch_id:varchar',
    ]);

    const stranger = batchOf('r_unknown', [f32('x')]);
    expect(await env.ingest(stranger, { config: { unknownDataset: 'reject' } })).toMatchObject({
      status: 'rejected',
      code: 'DATASET_UNKNOWN',
    });
    expect(await env.query("SELECT dataset FROM datasets WHERE dataset = 'r_unknown'")).toEqual([]);
    expect(
      await env.query(
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'f_r_unknown%'",
      ),
    ).toEqual([]);
  });

  it('evolves the table and its history when a batch brings new columns (contract evolve)', async () => {
    const first = batchOf('r_evolve', [f32('a')]);
    await env.ingest(first);
    const second = batchOf('r_evolve', [f32('A'), f32('b')], '2024-01-03', 2); // `A` is the column `a`
    expect(await env.ingest(second)).toMatchObject({ status: 'loaded', rowsLoaded: 30 });
    for (const table of ['f_r_evolve', 'f_r_evolve__history']) {
      const names = await env.query(
        'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
        [table],
      );
      expect(names.map((r) => r.c)).toContain('b');
    }
    const [added] = await env.query(
      "SELECT ordinal, added_by_batch FROM dataset_columns WHERE dataset = 'r_evolve' AND column_name = 'b'",
    );
    expect(added).toEqual({ ordinal: 2, added_by_batch: second.batchId });
    const [old] = await env.query(
      "SELECT COUNT(*) AS n FROM f_r_evolve WHERE trade_date = '2024-01-02' AND b IS NULL AND a IS NOT NULL",
    );
    expect(Number(old?.n)).toBe(30);
  });

  it('rejects new columns when the contract is freeze, and a column changing float32 ↔ float64', async () => {
    await env.ingest(batchOf('r_frozen', [f32('a')]), { config: { schemaContract: 'freeze' } });
    const wider = batchOf('r_frozen', [f32('a'), f32('b')], '2024-01-03');
    expect(await env.ingest(wider)).toMatchObject({ status: 'rejected', code: 'SCHEMA_FROZEN' });
    const retyped = batchOf('r_frozen', [f64('a')], '2024-01-03');
    expect(await env.ingest(retyped)).toMatchObject({ status: 'rejected', code: 'COLUMN_TYPE_CHANGED' });
    const names = await env.query("SELECT column_name FROM dataset_columns WHERE dataset = 'r_frozen'");
    expect(names).toEqual([{ column_name: 'a' }]);
  });

  it('plans schema changes without touching anything (pure)', () => {
    const entry = {
      dataset: 'd',
      kind: 'factors',
      tableName: 'f_d',
      contract: 'evolve' as const,
      infPolicy: 'reject' as const,
      calendar: null,
      rules: null,
      retiredAt: null,
      columns: [f32('KMID')],
    };
    const settings = { unknownDataset: 'register' as const, schemaContract: 'evolve' as const };
    expect(planSchema(entry, [f32('kmid'), f64('x')], settings)).toEqual({
      action: 'proceed',
      register: false,
      add: [f64('x')],
    });
    expect(planSchema(undefined, [f32('a')], settings)).toEqual({
      action: 'proceed',
      register: true,
      add: [f32('a')],
    });
    expect(planSchema({ ...entry, kind: 'calendar' }, [f32('a')], settings)).toMatchObject({
      action: 'reject',
      code: 'DATASET_KIND_MISMATCH',
    });
    expect(planSchema({ ...entry, retiredAt: '2026-01-02 03:04:05.000' }, [f32('KMID')], settings)).toEqual({
      action: 'reject',
      code: 'DATASET_RETIRED',
      message: 'the dataset was retired at 2026-01-02 03:04:05.000 UTC',
    });
  });
});
