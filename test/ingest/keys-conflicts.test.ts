import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestBytes } from '../../core/digest.js';
import { formatBatchKey, formatStatusKey } from '../../core/keys.js';
import { parseRejectedKeyStatus, rejectedStatusKey } from '../../core/rejected-keys.js';
import { factorRows, floatColumns, makeBatch, nextBatchId } from './batch-builder.js';
import { type StackEnv, startStackEnv } from './stack-harness.js';

const COLUMNS = floatColumns(2);
const rowsOf = (seed: number) =>
  factorRows({ dates: ['2024-08-01'], instruments: 20, columns: COLUMNS, seed });

/**
 * Through the deployable function on the local stack (OSS trigger → FC runtime → dist bundle): batches ingest
 * cannot file under their own key are quarantined with a reason, a status and an alert, never dropped.
 */
describe('ingest on the FC runtime: invalid keys and reused batch ids', () => {
  let env: StackEnv;
  beforeAll(async () => {
    env = await startStackEnv('keys');
  });
  afterAll(async () => {
    await env?.close();
  });

  const exists = (key: string) =>
    env.client.head(key).then(
      () => true,
      () => false,
    );
  const json = async (key: string) => JSON.parse((await env.client.get(key)).content.toString('utf8'));
  async function waitForObject(key: string, timeoutMs = 30_000): Promise<void> {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
      if (await exists(key)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${key} never appeared\n${env.logs.join('\n')}`);
  }
  const alerts = () =>
    env.stack.mns
      .published(env.stack.alertTopic)
      .map((m) => JSON.parse(Buffer.from(m.body, 'base64').toString('utf8')) as Record<string, unknown>);
  /** The alert goes out after the status is written: wait for it. */
  async function alertFor(expected: Record<string, unknown>): Promise<void> {
    const matches = (a: Record<string, unknown>) => Object.entries(expected).every(([k, v]) => a[k] === v);
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
      if (alerts().some(matches)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no alert ${JSON.stringify(expected)} in ${JSON.stringify(alerts())}`);
  }

  it.each([
    ['a `;` in the dataset', 'factors', 'a;b'],
    ['quotes and backticks', 'factors', 'x"y`z'],
    ['upper case', 'factors', 'Alpha158'],
    ['65 characters', 'factors', 'a'.repeat(65)],
    ['non-ASCII', 'factors', '因子'],
    ['the history separator', 'factors', 'base__history'],
    ['an unknown kind', 'models', 'alpha'],
  ])(
    'KEY_INVALID (%s): quarantined with reason.json, a status, a ledger row and an alert',
    async (_, kind, dataset) => {
      const batchId = nextBatchId();
      const dir = `incoming/${kind}/${dataset}/${batchId}/`;
      const batch = makeBatch({ dataset: 'k_placeholder', columns: COLUMNS, rows: rowsOf(1) });
      await env.client.put(`${dir}data.csv.gz`, batch.payload);
      await env.client.put(`${dir}manifest.json`, Buffer.from(batch.manifestText));
      const statusKey = rejectedStatusKey(`${dir}manifest.json`);
      await waitForObject(statusKey);

      const status = parseRejectedKeyStatus((await env.client.get(statusKey)).content);
      expect(status).toMatchObject({
        key: `${dir}manifest.json`,
        status: 'rejected',
        code: 'KEY_INVALID',
        batchId,
      });
      const reason = await json(status.reasonKey);
      expect(reason).toMatchObject({
        code: 'KEY_INVALID',
        key: `${dir}manifest.json`,
        ledger: `batches batch_id=${batchId}`,
      });
      expect(reason.keyProblems.length).toBeGreaterThan(0);
      expect(await exists(reason.quarantined['manifest.json'])).toBe(true);
      expect(await exists(reason.quarantined['data.csv.gz'])).toBe(true);
      // Nothing is left in incoming/.
      expect(await exists(`${dir}manifest.json`)).toBe(false);
      expect(await exists(`${dir}data.csv.gz`)).toBe(false);
      const [ledger] = await env.query(
        'SELECT status, error_code, manifest_key FROM batches WHERE batch_id = ?',
        [batchId],
      );
      expect(ledger).toEqual({
        status: 'rejected',
        error_code: 'KEY_INVALID',
        manifest_key: `${dir}manifest.json`,
      });
      await alertFor({ code: 'KEY_INVALID', batchId, severity: 'error' });
    },
  );

  it('KEY_INVALID with a malformed batch id: quarantined and announced, with no ledger row to write', async () => {
    const dir = 'incoming/factors/k_bad_id/not-a-batch-id/';
    const batch = makeBatch({ dataset: 'k_bad_id', columns: COLUMNS, rows: rowsOf(2) });
    await env.client.put(`${dir}data.csv.gz`, batch.payload);
    await env.client.put(`${dir}manifest.json`, Buffer.from(batch.manifestText));
    const statusKey = rejectedStatusKey(`${dir}manifest.json`);
    await waitForObject(statusKey);
    const reason = await json(parseRejectedKeyStatus((await env.client.get(statusKey)).content).reasonKey);
    expect(reason.ledger).toMatch(/^not recorded/);
    expect(await exists(`${dir}manifest.json`)).toBe(false);
    expect(await exists(`${dir}data.csv.gz`)).toBe(false);
    await alertFor({ code: 'KEY_INVALID', dataset: 'k_bad_id' });
  });

  it('new bytes under a settled batch id: quarantined as BATCH_ID_REUSED, loaded/ and the ledger untouched', async () => {
    const first = makeBatch({ dataset: 'k_reused', columns: COLUMNS, rows: rowsOf(3) });
    await env.upload(first);
    await waitForObject(formatStatusKey(first));
    expect(await json(formatStatusKey(first))).toMatchObject({ status: 'loaded' });

    const second = makeBatch({
      dataset: 'k_reused',
      columns: COLUMNS,
      rows: rowsOf(4),
      batchId: first.batchId,
    });
    expect(second.payload.equals(first.payload)).toBe(false);
    await env.upload(second);
    const statusKey = rejectedStatusKey(second.manifestKey);
    await waitForObject(statusKey);

    const status = parseRejectedKeyStatus((await env.client.get(statusKey)).content);
    expect(status).toMatchObject({ code: 'BATCH_ID_REUSED', batchId: first.batchId });
    const reason = await json(status.reasonKey);
    expect(reason.conflict).toEqual({
      settled: { status: 'loaded', ...digestBytes(first.payload) },
      incoming: digestBytes(second.payload),
    });
    // The evidence under loaded/ is the first batch's, byte for byte; its status still says loaded.
    const loaded = (await env.client.get(formatBatchKey({ ...first, area: 'loaded', file: 'data.csv.gz' })))
      .content;
    expect(Buffer.from(loaded).equals(first.payload)).toBe(true);
    expect(gunzipSync(loaded).toString('utf8')).toBe(first.csv);
    expect(await json(formatStatusKey(first))).toMatchObject({ status: 'loaded' });
    const [ledger] = await env.query('SELECT status, content_sha256 FROM batches WHERE batch_id = ?', [
      first.batchId,
    ]);
    expect(ledger).toEqual({ status: 'loaded', content_sha256: first.manifest.payload.sha256 });
    const events = await env.query('SELECT event, detail FROM batch_events WHERE batch_id = ? ORDER BY id', [
      first.batchId,
    ]);
    expect(events.map((e) => e.event)).toEqual(['claimed', 'loaded', 'conflict']);
    expect(JSON.parse(String(events[2]?.detail))).toMatchObject({ code: 'BATCH_ID_REUSED' });
    expect(await exists(second.manifestKey)).toBe(false);
    expect(await exists(second.payloadKey)).toBe(false);
    await alertFor({ code: 'BATCH_ID_REUSED', batchId: first.batchId });
  });

  it('a payload replaced under the same manifest is caught by its bytes: BATCH_ID_REUSED', async () => {
    const first = makeBatch({ dataset: 'k_replaced', columns: COLUMNS, rows: rowsOf(5) });
    await env.upload(first);
    await waitForObject(formatStatusKey(first));
    const other = makeBatch({
      dataset: 'k_replaced',
      columns: COLUMNS,
      rows: rowsOf(6),
      batchId: first.batchId,
    });
    await env.client.put(first.payloadKey, other.payload);
    await env.client.put(first.manifestKey, Buffer.from(first.manifestText)); // the same manifest, once more
    const statusKey = rejectedStatusKey(first.manifestKey);
    await waitForObject(statusKey);
    const reason = await json(parseRejectedKeyStatus((await env.client.get(statusKey)).content).reasonKey);
    expect(reason.conflict.incoming).toMatchObject({ bytes: other.payload.length });
    const loaded = (await env.client.get(formatBatchKey({ ...first, area: 'loaded', file: 'data.csv.gz' })))
      .content;
    expect(Buffer.from(loaded).equals(first.payload)).toBe(true);
  });

  it('a batch id reused in another dataset: quarantined with its status, a ledger event and an alert', async () => {
    const owner = makeBatch({ dataset: 'k_owner', columns: COLUMNS, rows: rowsOf(7) });
    await env.upload(owner);
    await waitForObject(formatStatusKey(owner));
    const intruder = makeBatch({
      dataset: 'k_intruder',
      columns: COLUMNS,
      rows: rowsOf(8),
      batchId: owner.batchId,
    });
    await env.upload(intruder);
    await waitForObject(formatStatusKey(intruder));
    expect(await json(formatStatusKey(intruder))).toMatchObject({
      status: 'rejected',
      code: 'BATCH_ID_CONFLICT',
    });
    expect(await exists(formatBatchKey({ ...intruder, area: 'quarantine', file: 'reason.json' }))).toBe(true);
    expect(await exists(intruder.manifestKey)).toBe(false);
    const events = await env.query('SELECT event FROM batch_events WHERE batch_id = ? ORDER BY id', [
      owner.batchId,
    ]);
    expect(events.map((e) => e.event)).toEqual(['claimed', 'loaded', 'conflict']);
    await alertFor({ code: 'BATCH_ID_CONFLICT', dataset: 'k_intruder', batchId: owner.batchId });
  });
});
