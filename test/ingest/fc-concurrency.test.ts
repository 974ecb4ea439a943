import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatStatusKey } from '../../core/keys.js';
import { ossEventPayload } from '../../local/fc/triggers-oss.js';
import { businessDays, factorRows, floatColumns, makeBatch } from './batch-builder.js';
import { FUNCTION, type StackEnv, startStackEnv } from './stack-harness.js';

describe('ingest on the FC runtime (s.yaml, dist bundle): concurrent deliveries', () => {
  let env: StackEnv;
  beforeAll(async () => {
    env = await startStackEnv('concurrency', { env: { LOAD_MODE: 'load-data' } });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('loads a batch once when its event is delivered 10 times concurrently', async () => {
    const columns = floatColumns(20);
    const rows = factorRows({ dates: businessDays('2024-07-01', 5), instruments: 600, columns });
    const batch = makeBatch({ dataset: 'fc_once', columns, rows });
    // Only this test's invocations count (another test of this file may have run first).
    const earlier = new Set(env.stack.fc.invocations().map((r) => r.requestId));
    const startedBefore = env.started.length;
    await env.upload(batch, { manifest: false });

    // The manifest's own trigger delivery, plus nine more of the very same event (OSS notifies at least once).
    await env.upload(batch, { payload: false });
    const record = env.events.find((e) => e.oss.object.key === batch.manifestKey);
    expect(record).toBeDefined();
    const payload = ossEventPayload(record as NonNullable<typeof record>);
    for (let i = 0; i < 9; i++) await env.stack.fc.invoke(FUNCTION, payload, { async: true });
    const attempts = await env.stack.fc.waitForInvocations(
      (r) => r.fn === FUNCTION && !earlier.has(r.requestId),
      10,
      60_000,
    );
    await env.stack.fc.idle();

    expect(attempts.map((a) => a.status)).toEqual(Array(10).fill('succeeded'));
    const mine = env.started.slice(startedBefore).filter((r) => r.fn === FUNCTION);
    expect(new Set(mine.map((r) => r.pid)).size).toBeGreaterThan(1);
    const [count] = await env.query('SELECT COUNT(*) AS n FROM f_fc_once');
    expect(Number(count?.n)).toBe(3000);
    const [ledger] = await env.query('SELECT status, rows_loaded, attempts FROM batches WHERE batch_id = ?', [
      batch.batchId,
    ]);
    expect(ledger).toEqual({ status: 'loaded', rows_loaded: 3000, attempts: 1 });
    const contents = await env.query('SELECT batch_id FROM loaded_contents WHERE dataset = ?', ['fc_once']);
    expect(contents).toEqual([{ batch_id: batch.batchId }]);
    const events = await env.query('SELECT event FROM batch_events WHERE batch_id = ? ORDER BY id', [
      batch.batchId,
    ]);
    expect(events.map((e) => e.event)).toEqual(['claimed', 'loaded']);
    const status = JSON.parse((await env.client.get(formatStatusKey(batch))).content.toString('utf8'));
    expect(status).toMatchObject({ status: 'loaded', rowsLoaded: 3000 });
  });

  it('drops an event that is not an OSS event (retrying cannot fix it) and skips keys that are not manifests', async () => {
    const garbage = await env.stack.fc.invoke(FUNCTION, 'this is not json');
    expect(garbage).toMatchObject({ ok: true });
    expect(JSON.parse(garbage.body.toString('utf8'))).toEqual({ outcomes: [] });

    // A real OSS record of this test's own upload of a payload key (the trigger never fires on it).
    const key = 'incoming/factors/fc_skip/x/data.csv.gz';
    await env.client.put(key, Buffer.from('not a manifest'));
    const payloadKey = env.events.find((e) => e.oss.object.key === key);
    expect(payloadKey).toBeDefined();
    const skipped = await env.stack.fc.invoke(FUNCTION, JSON.stringify({ events: [payloadKey] }));
    expect(JSON.parse(skipped.body.toString('utf8')).outcomes).toEqual([
      expect.objectContaining({ status: 'skipped', key }),
    ]);
  });
});
