import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../adapters/warehouse/ledger.js';
import { parseFunctionConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { runMonitor } from '../../functions/monitor/run.js';
import { createMonitorDeps } from '../../functions/monitor/wiring.js';
import { runSlaCli } from '../../scripts/sla.js';
import type { Batch } from '../ingest/batch-builder.js';
import {
  cst,
  factorBatch,
  INGEST,
  type MonitorEnv,
  type Received,
  startMonitorEnv,
} from './stack-harness.js';

const DAY = ['2024-03-01'];

/**
 * Stuck and lost batches re-driven with no person involved, through the real s.yaml on the local stack: the monitor
 * invokes ingest asynchronously through the FC 3.0 API (@alicloud/fc20230330) and the ledger loads each once.
 */
describe.sequential('monitor on the local stack: re-driving stuck and lost batches', () => {
  let env: MonitorEnv;
  beforeAll(async () => {
    env = await startMonitorEnv('redrive', {
      start: cst('2024-03-04', '10:05'),
      env: { REDRIVE_AFTER_MINUTES: '0' },
    });
    // Only re-drives are under test here: no dataset is watched for freshness.
    const err: string[] = [];
    const code = await runSlaCli(
      ['set', '*', '--off'],
      { MYSQL_URL: env.db.url },
      { out: () => {}, err: (l) => err.push(l) },
    );
    expect(code, err.join('\n')).toBe(0);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('re-drives a lease-expired batch, a failed batch and a manifest whose event was dropped: each loads exactly once, and nobody is alerted', async () => {
    const leased = factorBatch('rd_lease', DAY);
    const failed = factorBatch('rd_failed', DAY);
    const lost = factorBatch('rd_lost', DAY);
    // The manifest arrives by CopyObject: OSS fires ObjectCreated:CopyObject, which the trigger does not
    // subscribe to (the old runbook's "copy the manifest onto itself" does exactly this and nothing happens).
    for (const b of [leased, failed, lost]) await uploadWithoutEvent(env, b);
    await env.stack.fc.idle();
    const ids = [leased.batchId, failed.batchId, lost.batchId];
    expect(env.stack.fc.invocations().filter((r) => r.fn === INGEST && r.trigger === 'oss')).toEqual([]);
    expect(await env.query('SELECT COUNT(*) AS n FROM batches WHERE batch_id IN (?)', [ids])).toEqual([
      { n: 0 },
    ]);

    // An attempt that claimed its batch and died (its lease ran out a minute ago), and one that failed on a bug.
    const ledger = new Ledger(env.db.pool);
    const dead = 'dead-request-1/000000000000';
    await ledger.claim(facts(leased), dead, 60);
    await env.query(
      'UPDATE batches SET lease_expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 MINUTE WHERE batch_id = ?',
      [leased.batchId],
    );
    await ledger.claim(facts(failed), 'dead-request-2/000000000000', 60);
    await ledger.markFailed(failed.batchId, 'dead-request-2/000000000000', {
      code: 'TypeError',
      message: 'a bug since fixed',
    });

    await env.runUntil(cst('2024-03-04', '10:10'));
    const ledgerRows = await env.query(
      'SELECT dataset, status, rows_loaded, attempts FROM batches WHERE batch_id IN (?, ?, ?) ORDER BY dataset',
      [leased.batchId, failed.batchId, lost.batchId],
    );
    expect(ledgerRows).toEqual([
      { dataset: 'rd_failed', status: 'loaded', rows_loaded: 30, attempts: 2 },
      { dataset: 'rd_lease', status: 'loaded', rows_loaded: 30, attempts: 2 },
      { dataset: 'rd_lost', status: 'loaded', rows_loaded: 30, attempts: 1 },
    ]);
    for (const table of ['f_rd_lease', 'f_rd_failed', 'f_rd_lost']) {
      expect(await env.query(`SELECT COUNT(*) AS n FROM ${table}`)).toEqual([{ n: 30 }]);
    }
    const redrives = await env.query(
      'SELECT batch_id, attempt, reason, outcome FROM redrives WHERE batch_id IN (?) ORDER BY reason',
      [ids],
    );
    expect(redrives).toEqual([
      { batch_id: failed.batchId, attempt: 1, reason: 'failed', outcome: 'invoked' },
      { batch_id: leased.batchId, attempt: 1, reason: 'lease_expired', outcome: 'invoked' },
      { batch_id: lost.batchId, attempt: 1, reason: 'lost_event', outcome: 'invoked' },
    ]);
    // Ingest ran once per batch, invoked through the FC 3.0 API (async), and each run succeeded.
    const invocations = await env.query(
      "SELECT JSON_UNQUOTE(JSON_EXTRACT(detail, '$.invocation')) AS id FROM batch_events WHERE event = 'redriven' AND batch_id IN (?)",
      [ids],
    );
    const byApi = env.stack.fc
      .invocations()
      .filter((r) => invocations.some((i) => String(i.id) === r.requestId));
    expect(byApi.map((r) => [r.fn, r.trigger, r.async, r.status])).toEqual(
      Array(3).fill([INGEST, 'api', true, 'succeeded']),
    );
    // The objects moved to loaded/; the next runs find nothing to do; nobody was told anything.
    for (const b of [leased, failed, lost]) {
      const listed = await env.client.list({ prefix: `incoming/factors/${b.dataset}/`, 'max-keys': 10 }, {});
      expect(listed.objects ?? []).toEqual([]);
    }
    await env.runUntil(cst('2024-03-04', '10:30'));
    expect(await env.query('SELECT COUNT(*) AS n FROM redrives WHERE batch_id IN (?)', [ids])).toEqual([
      { n: 3 },
    ]);
    expect(
      (await env.drain()).filter((m) => String(m.body.dataset).match(/^rd_(lease|failed|lost)$/)),
    ).toEqual([]);
  });

  it('alerts when FC refuses the re-drive (no such function): one error naming the batch and the fix', async () => {
    const stranded = factorBatch('rd_refused', DAY, { seed: 3 });
    await uploadWithoutEvent(env, stranded);
    const deps = createMonitorDeps({
      config: parseFunctionConfig({
        OSS_BUCKET: env.stack.bucket,
        OSS_REGION: env.stack.region,
        OSS_ENDPOINT: env.stack.oss.url,
        OSS_INTERNAL: 'false',
        MYSQL_URL: env.db.url,
        MNS_ENDPOINT: env.stack.mns.url,
        ALERT_TOPIC: env.stack.alertTopic,
        FUNCTION_ENDPOINT: env.stack.fcApiUrl,
        INGEST_FUNCTION: 'qlib-ingest-renamed',
        REDRIVE_AFTER_MINUTES: '0',
      }),
      pool: env.db.pool,
      context: {
        requestId: 'in-process-run',
        credentials: env.stack.credentials,
        region: env.stack.region,
        accountId: env.stack.accountId,
      },
      logger: createLogger({ write: () => {}, now: () => new Date() }),
    });
    const report = await runMonitor(deps, cst('2024-03-04', '10:35'));
    expect(report.status).toBe('completed');
    const messages = await waitForMessages(env, (m) => m.body.check === 'redrive_failed');
    expect(messages.map((m) => m.body.summary)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^ERROR rd_refused batch ${stranded.batchId} could not be re-driven: invoke qlib-ingest-renamed: FunctionNotFound \\(HTTP 404\\): function 'qlib-ingest-renamed' does not exist`,
        ),
      ),
    ]);
    expect(messages[0]?.body).toMatchObject({
      check: 'redrive_failed',
      batchId: stranded.batchId,
      whatToDo: expect.arrayContaining([
        `re-drive it by hand: npm run redrive -- --batch ${stranded.batchId}`,
      ]),
    });
    expect(await env.query('SELECT outcome FROM redrives WHERE batch_id = ?', [stranded.batchId])).toEqual([
      { outcome: 'invoke_failed' },
    ]);
  });
});

async function uploadWithoutEvent(env: MonitorEnv, batch: Batch): Promise<void> {
  await env.client.put(batch.payloadKey, batch.payload);
  const staging = `staging/${batch.batchId}/manifest.json`;
  await env.client.put(staging, Buffer.from(batch.manifestText));
  await env.client.copy(batch.manifestKey, staging);
  await env.client.delete(staging);
}

function facts(b: Batch) {
  return {
    batchId: b.batchId,
    kind: b.kind,
    dataset: b.dataset,
    manifestKey: b.manifestKey,
    contentSha256: b.manifest.payload.sha256,
    payloadCrc64: b.manifest.payload.crc64,
    payloadBytes: b.manifest.payload.bytes,
    dateStart: b.manifest.dateRange.start,
    dateEnd: b.manifest.dateRange.end,
    rowCount: b.manifest.rowCount,
  };
}

/** Messages the queue subscriber received that match, once at least one has arrived. */
async function waitForMessages(env: MonitorEnv, match: (m: Received) => boolean): Promise<Received[]> {
  const out: Received[] = [];
  for (let i = 0; i < 100 && out.length === 0; i++) {
    out.push(...(await env.drain()).filter(match));
    if (out.length === 0) await new Promise((r) => setTimeout(r, 20));
  }
  return out;
}
