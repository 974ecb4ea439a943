import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRedriveCli } from '../../scripts/redrive.js';
import { runSlaCli } from '../../scripts/sla.js';
import {
  cst,
  factorBatch,
  INGEST,
  type MonitorEnv,
  type Received,
  startMonitorEnv,
  waitSettled,
} from './stack-harness.js';

/**
 * A batch ingest cannot load (a trigger on its table refuses every row, as a broken environment would): FC retries it,
 * gives up, and sends its onFailure record to the failure queue; the monitor turns it into an incident in the one
 * format, re-drives the batch up to REDRIVE_MAX_ATTEMPTS, then says it gave up; fixed and re-driven by hand, both
 * incidents resolve.
 */
describe.sequential('monitor on the local stack: FC onFailure records and a batch that will not load', () => {
  let env: MonitorEnv;
  beforeAll(async () => {
    env = await startMonitorEnv('fcfail', {
      start: cst('2024-03-05', '09:05'),
      env: { REDRIVE_AFTER_MINUTES: '0', REDRIVE_MAX_ATTEMPTS: '1' },
    });
    const code = await runSlaCli(
      ['set', '*', '--off'],
      { MYSQL_URL: env.db.url },
      { out: () => {}, err: () => {} },
    );
    expect(code).toBe(0);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('FC gives up → an error in the one format; the monitor re-drives, gives up, and resolves both once it loads', async () => {
    expect(await env.load(factorBatch('ff_daily', ['2024-03-01']))).toMatchObject({ status: 'loaded' });
    await env.query(
      "CREATE TRIGGER ff_refuse BEFORE INSERT ON f_ff_daily FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'storage refused'",
    );
    const bad = factorBatch('ff_daily', ['2024-03-04'], { seed: 2 });
    await env.upload(bad);
    // 1 + maxAsyncRetryAttempts (s.yaml: 3) attempts, then the record goes to the failure queue.
    await env.stack.fc.waitForInvocations((r) => r.fn === INGEST && r.status === 'failed', 4, 60_000);
    await env.stack.fc.idle();
    expect(
      await env.query('SELECT status, attempts, error_code FROM batches WHERE batch_id = ?', [bad.batchId]),
    ).toEqual([{ status: 'failed', attempts: 4, error_code: 'Error' }]);

    // The next run drains the queue: one incident for the batch; it also re-drives it (attempt 1 of 1), which fails.
    await env.runUntil(cst('2024-03-05', '09:10'));
    await env.stack.fc.idle();
    const first = await env.drain();
    expect(first.map((m) => m.body.summary)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^ERROR qlib-ingest gave up on ff_daily batch ${bad.batchId} after 4 attempt\\(s\\): UnhandledInvocationError .*storage refused`,
        ),
      ),
    ]);
    expect(first[0]?.body).toMatchObject({
      check: 'fc_failure',
      transition: 'opened',
      severity: 'error',
      dataset: 'ff_daily',
      batchId: bad.batchId,
      where: expect.objectContaining({ logs: expect.stringContaining('fcnext.console.aliyun.com') }),
      whatToDo: expect.arrayContaining([`re-drive it now: npm run redrive -- --batch ${bad.batchId}`]),
    });
    // The raw record never reaches subscribers: only the incident message does.
    expect(
      env.stack.mns.published(env.stack.alertTopic).every((m) => JSON.parse(m.body).incident !== undefined),
    ).toBe(true);

    // The re-drive failed like the rest; with REDRIVE_MAX_ATTEMPTS 1 the following run gives up and says so, once.
    await env.runUntil(cst('2024-03-05', '09:30'));
    await env.stack.fc.idle();
    await env.runUntil(cst('2024-03-05', '09:40'));
    const gaveUp = (await env.drain()).filter((m) => m.body.check !== 'fc_failure');
    expect(gaveUp.map((m) => m.body.summary)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^ERROR ff_daily batch ${bad.batchId} will not load: re-driven 1 time\\(s\\), it is failed after \\d+ attempt\\(s\\); last error Error: .*storage refused`,
        ),
      ),
    ]);

    // Someone fixes the table and re-drives by hand; the batch loads once and both incidents resolve.
    await env.query('DROP TRIGGER ff_refuse');
    const out: string[] = [];
    const code = await runRedriveCli(['--batch', bad.batchId], redriveEnv(env), {
      out: (l) => out.push(l),
      err: (l) => out.push(l),
    });
    expect(code, out.join('\n')).toBe(0);
    expect(out.join('\n')).toMatch(/re-driven .*: ingest invoked/);
    expect(await waitSettled(env.query, bad.batchId)).toMatchObject({ status: 'loaded', rows_loaded: 30 });
    await env.runUntil(cst('2024-03-05', '09:50'));
    const resolved = await env.drain();
    expect(resolved.map((m: Received) => [m.body.check, m.body.transition]).sort()).toEqual([
      ['batch_stuck', 'resolved'],
      ['fc_failure', 'resolved'],
    ]);
    expect(
      await env.query('SELECT COUNT(*) AS n FROM f_ff_daily WHERE trade_date = ?', ['2024-03-04']),
    ).toEqual([{ n: 30 }]);
  });
});

/** What an operator's shell has for `npm run redrive`: the functions' settings and an AccessKey. */
function redriveEnv(env: MonitorEnv): NodeJS.ProcessEnv {
  return {
    OSS_BUCKET: env.stack.bucket,
    OSS_REGION: env.stack.region,
    OSS_ENDPOINT: env.stack.oss.url,
    OSS_INTERNAL: 'false',
    MYSQL_URL: env.db.url,
    MNS_ENDPOINT: env.stack.mns.url,
    ALERT_TOPIC: env.stack.alertTopic,
    FUNCTION_ENDPOINT: env.stack.fcApiUrl,
    ACCOUNT_ID: env.stack.accountId,
    ALIBABA_CLOUD_ACCESS_KEY_ID: env.stack.credentials.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: env.stack.credentials.accessKeySecret,
  };
}
