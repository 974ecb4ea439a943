import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestBytes } from '../../core/digest.js';
import { formatBatchKey, formatStatusKey } from '../../core/keys.js';
import { type Batch, factorRows, floatColumns, makeBatch } from './batch-builder.js';
import { type DirectEnv, startDirect } from './harness.js';

const COLUMNS = floatColumns(3);

function goodBatch(dataset: string, seed = 1): Batch {
  return makeBatch({
    dataset,
    columns: COLUMNS,
    rows: factorRows({ dates: ['2024-01-02'], instruments: 30, columns: COLUMNS, seed }),
  });
}

describe('ingest: payload and manifest checks', () => {
  let env: DirectEnv;
  beforeAll(async () => {
    env = await startDirect('payload');
  });
  afterAll(async () => {
    await env?.close();
  });

  async function expectRejected(batch: Batch, code: string): Promise<Record<string, unknown>> {
    const reasonKey = formatBatchKey({ ...batch, area: 'quarantine', file: 'reason.json' });
    expect(await env.deliver(batch)).toEqual({ status: 'rejected', batchId: batch.batchId, code, reasonKey });
    const rows = await env.query(
      'SELECT COUNT(*) AS n FROM batches b JOIN loaded_contents c ON c.batch_id = b.batch_id WHERE b.batch_id = ?',
      [batch.batchId],
    );
    expect(Number(rows[0]?.n)).toBe(0);
    const [ledger] = await env.query('SELECT status, error_code FROM batches WHERE batch_id = ?', [
      batch.batchId,
    ]);
    expect(ledger).toMatchObject({ status: 'rejected', error_code: code });
    expect(await env.json(formatStatusKey(batch))).toMatchObject({ status: 'rejected', code, reasonKey });
    expect(await env.exists(batch.manifestKey)).toBe(false);
    return env.json(reasonKey);
  }

  it('PAYLOAD_MISSING: the manifest arrived without its payload', async () => {
    const batch = goodBatch('p_missing');
    await env.upload(batch, { payload: false });
    const reason = await expectRejected(batch, 'PAYLOAD_MISSING');
    expect(reason.payload).toMatchObject({ key: batch.payloadKey, actual: { exists: false } });
  });

  it('PAYLOAD_SIZE_MISMATCH: the stored payload is not the size the manifest says', async () => {
    const batch = goodBatch('p_size');
    await env.upload({ ...batch, payload: Buffer.concat([batch.payload, Buffer.from('tail')]) });
    const reason = await expectRejected(batch, 'PAYLOAD_SIZE_MISMATCH');
    expect(reason.payload).toMatchObject({
      expected: { bytes: batch.payload.length },
      actual: { bytes: batch.payload.length + 4 },
    });
  });

  it('PAYLOAD_CRC64_MISMATCH: OSS reports another CRC-64 for bytes of the right size', async () => {
    const batch = goodBatch('p_crc');
    const flipped = Buffer.from(batch.payload);
    flipped[flipped.length - 10] = (flipped[flipped.length - 10] as number) ^ 0xff;
    await env.upload({ ...batch, payload: flipped });
    const reason = await expectRejected(batch, 'PAYLOAD_CRC64_MISMATCH');
    expect(reason.payload).toMatchObject({ actual: { crc64: digestBytes(flipped).crc64 } });
  });

  it('PAYLOAD_SHA256_MISMATCH: the streamed bytes do not hash to the manifest (checked before commit)', async () => {
    const batch = goodBatch('p_sha');
    const wrong = makeBatch({
      dataset: 'p_sha',
      columns: COLUMNS,
      rows: factorRows({ dates: ['2024-01-02'], instruments: 30, columns: COLUMNS }),
      batchId: batch.batchId,
      patch: (m) => {
        m.payload.sha256 = 'f'.repeat(64);
      },
    });
    await env.upload(wrong);
    await expectRejected(wrong, 'PAYLOAD_SHA256_MISMATCH');
    expect(await env.tablesOf('p_sha')).toEqual([]);
  });

  it('PAYLOAD_NOT_GZIP: the payload the manifest describes is not gzip', async () => {
    const raw = Buffer.from('datetime,instrument,F0,F1,F2\n2024-01-02,SH600000,1,2,3\n');
    const batch = makeBatch({
      dataset: 'p_gzip',
      columns: COLUMNS,
      rows: factorRows({ dates: ['2024-01-02'], instruments: 1, columns: COLUMNS }),
      payloadOverride: raw,
      patch: (m) => Object.assign(m.payload, digestBytes(raw)),
    });
    await env.upload(batch);
    await expectRejected(batch, 'PAYLOAD_NOT_GZIP');
  });

  it('an invalid manifest is rejected with every problem, its objects quarantined, the ledger keyed by the object key', async () => {
    const batch = goodBatch('p_manifest');
    const broken = {
      ...batch,
      manifestText: JSON.stringify({ ...batch.manifest, formatVersion: 2, rowCount: -1, extra: true }),
    };
    await env.upload(broken);
    const reason = await expectRejected(broken, 'MANIFEST_INVALID');
    const paths = (reason.manifestProblems as Array<{ path: string }>).map((p) => p.path).sort();
    expect(paths).toEqual(['$.extra', '$.formatVersion', '$.rowCount']);
    expect(await env.exists(formatBatchKey({ ...batch, area: 'quarantine', file: 'manifest.json' }))).toBe(
      true,
    );
    expect(await env.exists(formatBatchKey({ ...batch, area: 'quarantine', file: 'data.csv.gz' }))).toBe(
      true,
    );
    const [ledger] = await env.query(
      'SELECT kind, dataset, content_sha256, date_end FROM batches WHERE batch_id = ?',
      [batch.batchId],
    );
    expect(ledger).toEqual({ kind: 'factors', dataset: 'p_manifest', content_sha256: null, date_end: null });
  });

  it("a manifest that repeats a key is rejected with the repeated key's path, even when it is otherwise valid", async () => {
    const batch = goodBatch('p_dupkey');
    // Read "last wins", this manifest would claim another row count than the one its producer checked.
    const manifestText = batch.manifestText.replace(
      `"rowCount": ${batch.manifest.rowCount},`,
      `"rowCount": ${batch.manifest.rowCount},\n  "rowCount": ${batch.manifest.rowCount + 1},`,
    );
    expect(manifestText).not.toBe(batch.manifestText);
    const duplicated = { ...batch, manifestText };
    await env.upload(duplicated);
    const reason = await expectRejected(duplicated, 'MANIFEST_INVALID');
    expect(reason.manifestProblems).toEqual([
      expect.objectContaining({ code: 'MANIFEST_DUPLICATE_KEY', path: '$.rowCount' }),
    ]);
    const [count] = await env.query("SELECT COUNT(*) AS n FROM batches WHERE dataset = 'p_dupkey'");
    expect(Number(count?.n)).toBe(1);
    expect(
      await env.query(
        "SELECT table_name FROM information_schema.TABLES WHERE table_schema = DATABASE() AND table_name = 'f_p_dupkey'",
      ),
    ).toEqual([]);
  });

  it('a manifest that is not JSON, or describes another batch than its key, is rejected', async () => {
    const notJson = { ...goodBatch('p_notjson'), manifestText: '{"formatVersion": 1,' };
    await env.upload(notJson);
    await expectRejected(notJson, 'MANIFEST_NOT_JSON');

    const mine = goodBatch('p_keymismatch');
    const other = goodBatch('p_keymismatch', 2);
    await env.upload({ ...mine, manifestText: other.manifestText });
    const reason = await expectRejected(mine, 'MANIFEST_KEY_MISMATCH');
    expect(reason.manifestProblems).toEqual([
      expect.objectContaining({ path: '$.batchId', value: other.batchId }),
    ]);
  });

  it('experiments batches go through their own rules: a line of no known type is EXP_TYPE_UNKNOWN', async () => {
    const batch = makeBatch({ dataset: 'mlruns', kind: 'experiments', csv: '{"run": 1}\n' });
    await env.upload(batch);
    await expectRejected(batch, 'EXP_TYPE_UNKNOWN');
  });
});
