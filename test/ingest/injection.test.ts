import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnSpec } from '../../core/csv/index.js';
import type { OssEventRecord } from '../../core/oss-event.js';
import { manifestRefOf } from '../../functions/ingest/event-ref.js';
import { makeBatch } from './batch-builder.js';
import { BUCKET, type DirectEnv, startDirect } from './harness.js';

const f32 = (name: string): ColumnSpec => ({ name, type: 'float32' });

describe('ingest: injection attempts are rejected or stored verbatim, never executed', () => {
  let env: DirectEnv;
  beforeAll(async () => {
    env = await startDirect('inject');
  });
  afterAll(async () => {
    await env?.close();
  });

  it.each(['load-data', 'insert'] as const)(
    'stores a hostile instrument code as data, in its canonical (upper-case) spelling (%s)',
    async (loadMode) => {
      const hostile = ["x');DROP/**/TABLE/**/batches;--", "'||(SELECT/**/SLEEP(5))||'", 'a`b$c{d}'];
      const rows = hostile.map((instrument, i) => ({ date: '2024-01-02', instrument, values: [i] }));
      const dataset = `inj_${loadMode.replace('-', '_')}`;
      const batch = makeBatch({ dataset, columns: [f32('v')], rows });
      expect(await env.ingest(batch, { loadMode })).toMatchObject({ status: 'loaded', rowsLoaded: 3 });
      const stored = await env.query(`SELECT instrument FROM f_${dataset} ORDER BY v`);
      // Bound values, never SQL: only the letters change case (core/csv canonicalInstrument, as qlib writes codes).
      expect(stored.map((r) => r.instrument)).toEqual(hostile.map((h) => h.toUpperCase()));
      expect(
        await env.query('SELECT COUNT(*) AS n FROM batches WHERE batch_id = ?', [batch.batchId]),
      ).toEqual([{ n: 1 }]);
    },
  );

  it('rejects an instrument code with spaces (not printable ASCII 0x21-0x7E) as CSV_BAD_INSTRUMENT', async () => {
    const csv = "datetime,instrument,v\n2024-01-02,x');DROP TABLE batches;--,1\n";
    const batch = makeBatch({
      dataset: 'inj_space',
      columns: [f32('v')],
      csv,
      rowCount: 1,
      dateRange: { start: '2024-01-02', end: '2024-01-02' },
    });
    expect(await env.ingest(batch)).toMatchObject({ status: 'rejected', code: 'CSV_BAD_INSTRUMENT' });
    expect(
      await env.query(
        "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'batches'",
      ),
    ).toEqual([{ n: 1 }]);
  });

  it('rejects a hostile column name through the manifest rules', async () => {
    const batch = makeBatch({
      dataset: 'inj_column',
      columns: [f32('a')],
      rows: [{ date: '2024-01-02', instrument: 'SH600000', values: [1] }],
      patch: (m) => {
        m.columns = [{ name: 'a;DROP', type: 'float32' }];
      },
    });
    await env.upload(batch);
    const outcome = await env.deliver(batch);
    expect(outcome).toMatchObject({ status: 'rejected', code: 'MANIFEST_INVALID' });
    const reason = await env.json((outcome as { reasonKey: string }).reasonKey);
    expect(reason.manifestProblems).toEqual([
      expect.objectContaining({ path: '$.columns[0].name', value: 'a;DROP' }),
    ]);
    expect(
      await env.query(
        "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'f_inj_column%'",
      ),
    ).toEqual([{ n: 0 }]);
  });

  it('never takes a hostile dataset name: not from a key, not from a manifest', async () => {
    const record = {
      oss: {
        bucket: { name: BUCKET },
        object: { key: 'incoming/factors/x`y/20260101T000000000Z-abc/manifest.json' },
      },
    };
    // Never a ref to a batch: an invalid key to quarantine (KEY_INVALID, test/ingest/keys-conflicts.test.ts).
    expect(manifestRefOf(record as OssEventRecord, BUCKET)).toMatchObject({
      invalid: { key: record.oss.object.key, error: { code: 'KEY_INVALID' } },
    });

    const batch = makeBatch({
      dataset: 'inj_dataset',
      columns: [f32('a')],
      rows: [{ date: '2024-01-02', instrument: 'SH600000', values: [1] }],
      patch: (m) => {
        m.dataset = 'x`y';
      },
    });
    await env.upload(batch);
    const outcome = await env.deliver(batch);
    expect(outcome).toMatchObject({ status: 'rejected', code: 'MANIFEST_INVALID' });
    const reason = await env.json((outcome as { reasonKey: string }).reasonKey);
    expect(reason.manifestProblems).toContainEqual(
      expect.objectContaining({ path: '$.dataset', value: 'x`y' }),
    );
  });
});
