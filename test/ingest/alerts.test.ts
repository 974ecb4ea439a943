import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBatchKey } from '../../core/keys.js';
import { type Batch, factorRows, floatColumns, makeBatch } from './batch-builder.js';
import { BUCKET, type DirectEnv, receiveAlerts, startDirect, TOPIC } from './harness.js';

const COLUMNS = floatColumns(2);

/** A batch the rules reject (a duplicate row) for `dataset` on 2024-06-03. */
function rejectedBatch(dataset: string, seed: number): Batch {
  const rows = factorRows({ dates: ['2024-06-03'], instruments: 21, columns: COLUMNS, seed });
  rows.push({ ...(rows[3] as (typeof rows)[0]) });
  return makeBatch({ dataset, columns: COLUMNS, rows });
}

/** A batch that loads with a NULL_RATIO warning. */
function warningBatch(dataset: string, date: string): Batch {
  const rows = factorRows({ dates: [date], instruments: 21, columns: COLUMNS });
  for (const r of rows) r.values[1] = Number.NaN;
  return makeBatch({ dataset, columns: COLUMNS, rows });
}

describe('ingest: alerts', () => {
  let env: DirectEnv;
  beforeAll(async () => {
    env = await startDirect('alerts');
  });
  afterAll(async () => {
    await env?.close();
  });

  it('tells subscribers about a rejection: base64 JSON body, MessageTag = severity, where to look', async () => {
    const batch = rejectedBatch('al_body', 1);
    await env.ingest(batch);
    const received = await waitForAlerts(1, ['al_body']);
    expect(received).toEqual([
      {
        severity: 'error',
        code: 'DUPLICATE_KEY',
        dataset: 'al_body',
        batchId: batch.batchId,
        tradingDay: '2024-06-03',
        summary: expect.stringContaining('DUPLICATE_KEY'),
        where: {
          reason: `oss://${BUCKET}/${formatBatchKey({ ...batch, area: 'quarantine', file: 'reason.json' })}`,
          ledger: `batches batch_id=${batch.batchId}`,
        },
      },
    ]);
    const published = env.mns.published(TOPIC).filter((m) => decode(m.body).batchId === batch.batchId);
    expect(published.map((m) => m.tag)).toEqual(['error']);
  });

  it('deduplicates per (code, dataset, trading day): counted every time, published once', async () => {
    const first = rejectedBatch('al_dedupe', 2);
    const second = rejectedBatch('al_dedupe', 3);
    await env.ingest(first);
    await env.ingest(second);
    const rows = await env.query(
      "SELECT dedupe_key, occurrences, publish_attempts, published_at IS NOT NULL AS published, batch_id FROM alerts WHERE dataset = 'al_dedupe'",
    );
    expect(rows).toEqual([
      {
        dedupe_key: 'DUPLICATE_KEY|al_dedupe|2024-06-03',
        occurrences: 2,
        publish_attempts: 1,
        published: 1,
        batch_id: first.batchId,
      },
    ]);
    const published = env.mns.published(TOPIC).filter((m) => decode(m.body).dataset === 'al_dedupe');
    expect(published).toHaveLength(1);
    await receiveAlerts(env.mnsClient, env.inbox);
  });

  it('a failed publish is recorded and retried, never fails the load, and is published by a later delivery', async () => {
    const batch = warningBatch('al_fail', '2024-06-04');
    const outcome = await env.ingest(batch, { config: { alertTopic: 'no-such-topic' } });
    expect(outcome).toMatchObject({ status: 'loaded', rowsLoaded: 21, warnings: ['NULL_RATIO'] });
    const [pending] = await env.query(
      "SELECT published_at, publish_attempts, last_publish_error FROM alerts WHERE dataset = 'al_fail'",
    );
    expect(pending).toMatchObject({ published_at: null, publish_attempts: 3 });
    expect(String(pending?.last_publish_error)).toMatch(/TopicNotExist/);

    // The next delivery of the same event (an FC retry, a duplicate notification) publishes what is pending.
    await env.upload(batch);
    expect(await env.deliver(batch)).toMatchObject({ status: 'duplicate', redelivered: 'loaded' });
    const [done] = await env.query(
      "SELECT published_at IS NOT NULL AS published, publish_attempts, message_id IS NOT NULL AS has_id FROM alerts WHERE dataset = 'al_fail'",
    );
    expect(done).toEqual({ published: 1, publish_attempts: 4, has_id: 1 });
    const received = await waitForAlerts(1, ['al_fail']);
    expect(received[0]).toMatchObject({
      severity: 'warn',
      code: 'NULL_RATIO',
      dataset: 'al_fail',
      where: { ledger: `batches batch_id=${batch.batchId}` },
    });
  });

  it("a later batch's housekeeping publishes an older alert whose own publishing gave up", async () => {
    const first = warningBatch('al_sweep_1', '2024-06-05');
    expect(await env.ingest(first, { config: { alertTopic: 'no-such-topic' } })).toMatchObject({
      status: 'loaded',
    });
    const pending =
      "SELECT published_at IS NOT NULL AS published, publish_attempts FROM alerts WHERE dataset = 'al_sweep_1'";
    expect(await env.query(pending)).toEqual([{ published: 0, publish_attempts: 3 }]);
    // As if two minutes went by: the sweep leaves alone what a live instance may still be publishing.
    await env.query(
      "UPDATE alerts SET first_at = first_at - INTERVAL 2 MINUTE, last_at = last_at - INTERVAL 2 MINUTE WHERE dataset = 'al_sweep_1'",
    );

    // MNS still refuses: the sweep's one try fails, the load does not.
    const second = warningBatch('al_sweep_2', '2024-06-05');
    expect(await env.ingest(second, { config: { alertTopic: 'no-such-topic' } })).toMatchObject({
      status: 'loaded',
    });
    expect(await env.query(pending)).toEqual([{ published: 0, publish_attempts: 4 }]);

    // MNS is back: a batch of another dataset publishes its own alert, then the stale one.
    const third = warningBatch('al_sweep_3', '2024-06-06');
    expect(await env.ingest(third)).toMatchObject({ status: 'loaded' });
    expect(await env.query(pending)).toEqual([{ published: 1, publish_attempts: 5 }]);
    const received = await waitForAlerts(2, ['al_sweep_1', 'al_sweep_2', 'al_sweep_3']);
    expect(received.map((a) => [a.dataset, a.batchId]).sort()).toEqual(
      [
        ['al_sweep_1', first.batchId],
        ['al_sweep_3', third.batchId],
      ].sort(),
    );
  });

  /** The inbox is the file's: a test reads only the alerts of its own datasets (tests run in any order). */
  async function waitForAlerts(count: number, datasets: string[]): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for (let i = 0; i < 50 && out.length < count; i++) {
      const received = await receiveAlerts(env.mnsClient, env.inbox);
      out.push(...received.filter((a) => datasets.includes(String(a.dataset))));
      if (out.length < count) await new Promise((r) => setTimeout(r, 20));
    }
    return out;
  }
});

function decode(body: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(body, 'base64').toString('utf8'));
}
