import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatEmail, type MessageBody } from '../../core/incident-message.js';
import { mnsRequest } from '../../local/mns/request.js';
import { runSlaCli } from '../../scripts/sla.js';
import { factorRows, makeBatch } from '../ingest/batch-builder.js';
import {
  COLUMNS,
  cst,
  type MonitorEnv,
  type Received,
  startMonitorEnv,
  waitSettled,
} from './stack-harness.js';

const MAIL_TOPIC = 'qlib-mail';

/** A batch the rules reject: one (date, instrument) twice. */
function rejected(dataset: string, seed: number) {
  const rows = factorRows({ dates: ['2024-03-08'], instruments: 21, columns: COLUMNS, seed });
  rows.push({ ...(rows[2] as (typeof rows)[0]) });
  return makeBatch({ dataset, columns: COLUMNS, rows });
}

describe.sequential('alerts on the local stack: the outbox on the monitor’s schedule, email, tags', () => {
  let env: MonitorEnv;
  beforeAll(async () => {
    env = await startMonitorEnv('outbox', { start: cst('2024-03-08', '17:05'), mailTopic: MAIL_TOPIC });
    expect(
      await runSlaCli(['set', '*', '--off'], { MYSQL_URL: env.db.url }, { out: () => {}, err: () => {} }),
    ).toBe(0);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('an alert MNS refused during the load goes out on the next monitor run', async () => {
    // MNS refuses while the batch is rejected: the topic is gone (TopicNotExist).
    const topicPath = `/topics/${env.stack.alertTopic}`;
    expect((await mnsRequest(env.stack.mns.url, env.stack.credentials, 'DELETE', topicPath)).status).toBe(
      204,
    );
    const bad = rejected('ob_refused', 1);
    await env.upload(bad);
    expect(await waitSettled(env.query, bad.batchId)).toMatchObject({
      status: 'rejected',
      error_code: 'DUPLICATE_KEY',
    });
    await env.stack.fc.idle();
    const pending =
      "SELECT published_at IS NOT NULL AS published, publish_attempts, last_publish_error FROM alerts WHERE dataset = 'ob_refused' AND channel = 'topic'";
    const [before] = await env.query(pending);
    expect(before).toMatchObject({ published: 0, publish_attempts: 3 });
    expect(String(before?.last_publish_error)).toMatch(/TopicNotExist/);

    // MNS is back (topic and subscriptions restored); no batch arrives that could sweep the outbox. A minute later the
    // alert counts as abandoned, and the monitor's next run publishes it.
    await env.mns.createTopic(env.stack.alertTopic);
    expect((await env.alertsCli(['subscribe', '--queue', env.queue])).code).toBe(0);
    await env.query(
      "UPDATE alerts SET last_at = last_at - INTERVAL 2 MINUTE, last_attempt_at = last_attempt_at - INTERVAL 2 MINUTE WHERE dataset = 'ob_refused'",
    );
    await env.runUntil(cst('2024-03-08', '17:10'));
    const [after] = await env.query(pending);
    expect(after).toMatchObject({ published: 1, publish_attempts: 4 });
    const received = (await env.drain()).filter((m) => m.body.dataset === 'ob_refused');
    expect(received.map((m) => m.body.summary)).toEqual([
      expect.stringMatching(
        new RegExp(`^ERROR ob_refused 2024-03-08 batch ${bad.batchId} quarantined: DUPLICATE_KEY`),
      ),
    ]);
    const [outbox] = await env.query(
      "SELECT figures FROM check_results WHERE check_name = 'outbox' AND evaluated_at = '2024-03-08 09:10:00'",
    );
    expect(JSON.parse(String(outbox?.figures))).toMatchObject({
      stale: expect.any(Number),
      published: expect.any(Number),
    });
  });

  it('sends a readable email through MNS DirectMail: sender and subject attributes, the text a person reads', async () => {
    const subscribed = await env.alertsCli(['subscribe', '--email', 'ops@example.com', '--tag', 'error']);
    expect(subscribed).toMatchObject({
      code: 0,
      out: [expect.stringContaining('email-ops-example-com-error → mail:directmail:ops@example.com')],
    });
    const bad = rejected('ob_mail', 2);
    await env.upload(bad);
    await waitSettled(env.query, bad.batchId);
    await env.stack.fc.idle();

    const json = env.stack.mns
      .published(env.stack.alertTopic)
      .find((m) => JSON.parse(m.body).batchId === bad.batchId);
    const mail = env.stack.mns.published(MAIL_TOPIC).find((m) => m.body.includes(bad.batchId));
    expect(mail?.tag).toBe('error');
    const body = JSON.parse(json?.body ?? '{}') as MessageBody;
    const attributes = (mail?.attributes ?? {}) as { DirectMail?: string };
    const directMail = JSON.parse(String(attributes.DirectMail));
    expect(directMail).toEqual({
      AccountName: 'alerts@example.com',
      Subject: `[qlib-sync] ${body.summary}`.slice(0, 100),
      AddressType: 1,
      IsHtml: 0,
      ReplyToAddress: 0,
    });
    const reason = `oss://${env.stack.bucket}/quarantine/factors/ob_mail/${bad.batchId}/reason.json`;
    expect(mail?.body).toBe(
      [
        `ERROR ob_mail 2024-03-08 batch ${bad.batchId} quarantined: ${body.what[1]}`,
        '',
        'What happened:',
        `  - ingest rejected factors batch ${bad.batchId}; nothing of it was loaded, the rows in MySQL are unchanged`,
        `  - ${body.what[1]}`,
        '',
        'Where to look:',
        `  reason: ${reason}`,
        `  status: oss://${env.stack.bucket}/status/factors/ob_mail/${bad.batchId}.json`,
        `  ledger: batches batch_id=${bad.batchId}`,
        `  console: ${body.where.console}`,
        `  logs: ${body.where.logs}`,
        '',
        'What to do:',
        `  read the reason: ossutil cat ${reason}`,
        '  fix the source, then push again (a new batch id): qlib-sync push … --dataset ob_mail',
        `  history of the batch: SELECT * FROM batch_events WHERE batch_id = '${bad.batchId}'`,
        '',
        `Incident ${body.incident.id} (batch_rejected|ob_mail|${bad.batchId}): opened at ${body.at}.`,
        '',
      ].join('\n'),
    );
    expect(mail?.body).toBe(formatEmail(body, { subjectPrefix: '[qlib-sync]' }).text);
    // The JSON subscribers never see the mail copy: it goes to its own topic.
    expect((await env.drain()).filter((m: Received) => typeof m.body !== 'object')).toEqual([]);
  });
});
