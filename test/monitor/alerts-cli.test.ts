import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MNS from '@alicloud/mns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MnsAlertPublisher } from '../../adapters/alerts/mns.js';
import { type MnsServer, startMnsServer } from '../../local/mns/server.js';
import { runAlertsCli } from '../../scripts/alerts.js';

const ACCOUNT = '1234567890123456';
const REGION = 'cn-shanghai';
const CRED = { accessKeyId: 'LTAI5tAlertsCli', accessKeySecret: 'alerts-cli-secret' };

/** `npm run alerts`: subscriptions created, listed and removed through the MNS API, against the local MNS. */
describe('npm run alerts -- subscribe | list | unsubscribe', () => {
  let dir: string;
  let server: MnsServer;
  let mns: MNS;
  const env = () => ({
    ALIBABA_CLOUD_ACCESS_KEY_ID: CRED.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: CRED.accessKeySecret,
    ACCOUNT_ID: ACCOUNT,
    REGION,
    MNS_ENDPOINT: server.url,
    ALERT_TOPIC: 'cli-alerts',
    ALERT_MAIL_TOPIC: 'cli-mail',
  });
  const cli = async (args: string[], e: NodeJS.ProcessEnv = env()) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runAlertsCli(args, e, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'alerts-cli-'));
    server = await startMnsServer({ accountId: ACCOUNT, region: REGION, credentials: [CRED], root: dir });
    mns = new MNS(ACCOUNT, { ...CRED, endpoint: server.url });
    await mns.createTopic('cli-alerts');
    await mns.createTopic('cli-mail');
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('subscribes email, HTTP and queue endpoints (SIMPLIFIED), idempotently, and lists them', async () => {
    const args = [
      'subscribe',
      '--email',
      'ops@example.com',
      '--http',
      'https://hooks.example.com/qlib',
      '--queue',
      'cli-inbox',
    ];
    const first = await cli(args);
    expect(first).toMatchObject({ code: 0, err: [] });
    expect(first.out).toEqual([
      'subscribed: email-ops-example-com → mail:directmail:ops@example.com (topic cli-mail)',
      'subscribed: http-hooks-example-com-qlib → https://hooks.example.com/qlib (topic cli-alerts)',
      `subscribed: queue-cli-inbox → acs:mns:${REGION}:${ACCOUNT}:queues/cli-inbox (topic cli-alerts)`,
    ]);
    expect(server.queued('cli-inbox')).toEqual([]); // the queue was created for the subscription
    expect((await cli(args)).out.every((l) => l.startsWith('already subscribed'))).toBe(true);
    const listed = await cli(['--json', 'list']);
    expect(JSON.parse(listed.out[0] ?? '{}').subscriptions).toEqual([
      expect.objectContaining({
        topic: 'cli-alerts',
        name: 'http-hooks-example-com-qlib',
        notifyContentFormat: 'SIMPLIFIED',
        notifyStrategy: 'EXPONENTIAL_DECAY_RETRY',
      }),
      expect.objectContaining({
        topic: 'cli-alerts',
        name: 'queue-cli-inbox',
        endpoint: `acs:mns:${REGION}:${ACCOUNT}:queues/cli-inbox`,
      }),
      expect.objectContaining({
        topic: 'cli-mail',
        name: 'email-ops-example-com',
        endpoint: 'mail:directmail:ops@example.com',
      }),
    ]);
    expect(await cli(['unsubscribe', 'email-ops-example-com', '--mail'])).toMatchObject({ code: 0 });
    expect(await cli(['unsubscribe', 'http-hooks-example-com-qlib'])).toMatchObject({ code: 0 });
    expect(await cli(['unsubscribe', 'queue-cli-inbox'])).toMatchObject({ code: 0 });
    expect(await cli(['list'])).toMatchObject({ out: ['no subscriptions on cli-alerts, cli-mail'] });
  });

  it('--tag delivers only that severity to the subscriber (MNS FilterTag = the MessageTag)', async () => {
    expect((await cli(['subscribe', '--queue', 'cli-errors', '--tag', 'error'])).code).toBe(0);
    const publisher = new MnsAlertPublisher(
      new MNS(ACCOUNT, { ...CRED, endpoint: server.url }),
      'cli-alerts',
    );
    await publisher.publish({ body: '{"summary":"WARN a <warning> & more"}', tag: 'warn' });
    await publisher.publish({ body: '{"summary":"ERROR an \\"error\\" & <more>"}', tag: 'error' });
    const received = await mns.receiveMessage('cli-errors', 1);
    // The JSON arrives as sent: XML-escaped on the wire, plain text at the subscriber, no base64.
    expect(JSON.parse(received.body.MessageBody)).toEqual({ summary: 'ERROR an "error" & <more>' });
    await mns.deleteMessage('cli-errors', received.body.ReceiptHandle);
    await expect(mns.receiveMessage('cli-errors', 0)).rejects.toMatchObject({
      name: 'MNSMessageNotExistError',
    });
    await cli(['unsubscribe', 'queue-cli-errors-error']);
  });

  it('reports every bad option at once (exit 2), and missing settings (exit 2)', async () => {
    const bad = await cli(['subscribe', '--email', 'not-an-address', '--http', 'ftp://x', '--tag', 'fatal']);
    expect(bad.code).toBe(2);
    expect(bad.err.join('\n')).toMatch(/\$\.email\[0\]: must be an email address/);
    expect(bad.err.join('\n')).toMatch(/\$\.http\[0\]: must be an http:\/\/ or https:\/\/ URL/);
    expect(bad.err.join('\n')).toMatch(/\$\.tag/);
    expect((await cli(['subscribe'])).err.join('\n')).toMatch(/give at least one --email, --http or --queue/);
    const unset = await cli(['list'], { ALERT_TOPIC: 'x' });
    expect(unset).toMatchObject({
      code: 2,
      err: [expect.stringContaining('set ALIBABA_CLOUD_ACCESS_KEY_ID')],
    });
    const noMail = await cli(['subscribe', '--email', 'a@example.com'], { ...env(), ALERT_MAIL_TOPIC: '' });
    expect(noMail).toMatchObject({ code: 2, err: [expect.stringContaining('email needs ALERT_MAIL_TOPIC')] });
  });

  it('says MNS refused (exit 3) when the topic does not exist', async () => {
    const missing = await cli(['subscribe', '--queue', 'q1'], { ...env(), ALERT_TOPIC: 'no-such-topic' });
    expect(missing).toMatchObject({ code: 3, err: [expect.stringContaining('TopicNotExist')] });
  });
});
