import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBatchKey, formatStatusKey } from '../../core/keys.js';
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
function warningBatch(dataset: string, date: string, seed = 1): Batch {
  const rows = factorRows({ dates: [date], instruments: 21, columns: COLUMNS, seed });
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

  it('tells subscribers about a rejection: plain JSON, the summary line first, MessageTag = severity, where to look and what to do', async () => {
    const batch = rejectedBatch('al_body', 1);
    await env.ingest(batch);
    const received = await waitForAlerts(1, 'al_body');
    const reasonKey = formatBatchKey({ ...batch, area: 'quarantine', file: 'reason.json' });
    expect(received).toEqual([
      expect.objectContaining({
        severity: 'error',
        transition: 'opened',
        state: 'open',
        check: 'batch_rejected',
        code: 'DUPLICATE_KEY',
        dataset: 'al_body',
        batchId: batch.batchId,
        tradingDay: '2024-06-03',
        where: expect.objectContaining({
          reason: `oss://${BUCKET}/${reasonKey}`,
          status: `oss://${BUCKET}/${formatStatusKey(batch)}`,
          ledger: `batches batch_id=${batch.batchId}`,
          console: expect.stringContaining('oss.console.aliyun.com'),
        }),
        whatToDo: expect.arrayContaining([`read the reason: ossutil cat oss://${BUCKET}/${reasonKey}`]),
      }),
    ]);
    expect(received[0]?.summary).toMatch(
      new RegExp(`^ERROR al_body 2024-06-03 batch ${batch.batchId} quarantined: DUPLICATE_KEY`),
    );
    const published = env.mns.published(TOPIC).filter((m) => decode(m.body).batchId === batch.batchId);
    expect(published.map((m) => m.tag)).toEqual(['error']);
    // The wire body is the JSON text itself (no base64), its summary the first thing a person reads.
    expect(published[0]?.body.startsWith('{"summary":"ERROR al_body')).toBe(true);
  });

  it('announces every rejected batch: two bad batches of one dataset on one day are two incidents, two messages', async () => {
    const first = rejectedBatch('al_each', 2);
    const second = rejectedBatch('al_each', 3);
    await env.ingest(first);
    await env.ingest(second);
    const incidents = await env.query(
      "SELECT incident_key, state, severity, revision FROM incidents WHERE dataset = 'al_each' ORDER BY id",
    );
    expect(incidents).toEqual([
      {
        incident_key: `batch_rejected|al_each|${first.batchId}`,
        state: 'open',
        severity: 'error',
        revision: 1,
      },
      {
        incident_key: `batch_rejected|al_each|${second.batchId}`,
        state: 'open',
        severity: 'error',
        revision: 1,
      },
    ]);
    const published = env.mns.published(TOPIC).filter((m) => decode(m.body).dataset === 'al_each');
    expect(published.map((m) => decode(m.body).batchId)).toEqual([first.batchId, second.batchId]);
    const received = await waitForAlerts(2, 'al_each');
    expect(received.map((a) => a.batchId)).toEqual([first.batchId, second.batchId]);
  });

  it('one warning rule on one day is one incident: a second batch with it sends nothing new', async () => {
    expect(await env.ingest(warningBatch('al_warn', '2024-06-07', 1))).toMatchObject({ status: 'loaded' });
    expect(await env.ingest(warningBatch('al_warn', '2024-06-07', 2))).toMatchObject({ status: 'loaded' });
    const rows = await env.query(
      "SELECT dedupe_key, published_at IS NOT NULL AS published FROM alerts WHERE dataset = 'al_warn'",
    );
    expect(rows).toEqual([{ dedupe_key: 'load_warning|al_warn|2024-06-07/NULL_RATIO#1', published: 1 }]);
    const received = await waitForAlerts(1, 'al_warn');
    expect(received[0]).toMatchObject({ severity: 'warn', code: 'NULL_RATIO', check: 'load_warning' });
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
    const received = await waitForAlerts(1, 'al_fail');
    expect(received[0]).toMatchObject({
      severity: 'warn',
      code: 'NULL_RATIO',
      dataset: 'al_fail',
      where: expect.objectContaining({ ledger: `batches batch_id=${batch.batchId}` }),
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
    const backdate =
      "UPDATE alerts SET first_at = first_at - INTERVAL 2 MINUTE, last_at = last_at - INTERVAL 2 MINUTE, last_attempt_at = last_attempt_at - INTERVAL 2 MINUTE WHERE dataset = 'al_sweep_1'";
    await env.query(backdate);

    // MNS still refuses: the sweep's one try fails, the load does not.
    const second = warningBatch('al_sweep_2', '2024-06-05');
    expect(await env.ingest(second, { config: { alertTopic: 'no-such-topic' } })).toMatchObject({
      status: 'loaded',
    });
    expect(await env.query(pending)).toEqual([{ published: 0, publish_attempts: 4 }]);

    // A minute later still, MNS is back: a batch of another dataset publishes its own alert, then the stale one.
    await env.query(backdate);
    const third = warningBatch('al_sweep_3', '2024-06-06');
    expect(await env.ingest(third)).toMatchObject({ status: 'loaded' });
    expect(await env.query(pending)).toEqual([{ published: 1, publish_attempts: 5 }]);
    const received = await waitForAlerts(2, 'al_sweep');
    expect(received.map((a) => [a.dataset, a.batchId]).sort()).toEqual(
      [
        ['al_sweep_1', first.batchId],
        ['al_sweep_3', third.batchId],
      ].sort(),
    );
  });

  /** The next `count` messages the subscriber's queue receives (messages of other tests' datasets are dropped). */
  async function waitForAlerts(count: number, prefix = 'al_'): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for (let i = 0; i < 50 && out.length < count; i++) {
      out.push(
        ...(await receiveAlerts(env.mnsClient, env.inbox)).filter((a) =>
          String(a.dataset).startsWith(prefix),
        ),
      );
      if (out.length < count) await new Promise((r) => setTimeout(r, 20));
    }
    return out;
  }
});

function decode(body: string): Record<string, unknown> {
  return JSON.parse(body);
}
