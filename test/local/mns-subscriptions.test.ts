import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MNS from '@alicloud/mns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MnsRequestError, mnsRequest, mnsSubscribe, mnsUnsubscribe } from '../../local/mns/request.js';
import { type MnsServer, startMnsServer } from '../../local/mns/server.js';

const ACCOUNT = '1234567890';
const REGION = 'cn-shenzhen';
const CRED = { accessKeyId: 'subs-ak', accessKeySecret: 'subs-secret' };

let root: string;
let server: MnsServer;
let mns: MNS;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mns-subscriptions-'));
  server = await startMnsServer({ accountId: ACCOUNT, region: REGION, credentials: [CRED], root });
  mns = new MNS(ACCOUNT, { ...CRED, endpoint: server.url });
});

afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

describe('local MNS subscriptions API', () => {
  it('answers 204 for an identical subscription and 409 SubscriptionAlreadyExist for a different one', async () => {
    await mns.createTopic('subs');
    const options = { endpoint: 'http://127.0.0.1:1/x', notifyContentFormat: 'JSON' as const };
    expect(await mnsSubscribe(server.url, CRED, 'subs', 'one', options)).toBe(201);
    expect(await mnsSubscribe(server.url, CRED, 'subs', 'one', options)).toBe(204);
    const conflict = mnsSubscribe(server.url, CRED, 'subs', 'one', { ...options, filterTag: 'other' });
    await expect(conflict).rejects.toMatchObject({ status: 409, code: 'SubscriptionAlreadyExist' });
  });

  it('reads, lists and removes subscriptions', async () => {
    await mns.createTopic('managed');
    const queueEndpoint = `acs:mns:${REGION}:${ACCOUNT}:queues/anything`;
    await mnsSubscribe(server.url, CRED, 'managed', 'to-queue', {
      endpoint: queueEndpoint,
      filterTag: 'fail',
    });
    const attributes = await mnsRequest(server.url, CRED, 'GET', '/topics/managed/subscriptions/to-queue');
    expect(attributes.status).toBe(200);
    expect(attributes.body).toContain(`<Endpoint>${queueEndpoint}</Endpoint>`);
    expect(attributes.body).toContain('<NotifyStrategy>BACKOFF_RETRY</NotifyStrategy>');
    expect(attributes.body).toContain('<NotifyContentFormat>XML</NotifyContentFormat>');
    expect(attributes.body).toContain('<FilterTag>fail</FilterTag>');
    const listed = await mnsRequest(server.url, CRED, 'GET', '/topics/managed/subscriptions');
    expect(listed.body).toContain(
      `<SubscriptionURL>${server.url}/topics/managed/subscriptions/to-queue</SubscriptionURL>`,
    );
    expect(await mnsUnsubscribe(server.url, CRED, 'managed', 'to-queue')).toBe(204);
    const gone = await mnsRequest(server.url, CRED, 'GET', '/topics/managed/subscriptions/to-queue');
    expect(gone.status).toBe(404);
    expect(gone.body).toContain('<Code>SubscriptionNotExist</Code>');
  });

  it('rejects bad endpoints, long filter tags and unknown topics', async () => {
    await mns.createTopic('strict');
    const invalid = (options: Parameters<typeof mnsSubscribe>[4]) =>
      mnsSubscribe(server.url, CRED, 'strict', 'bad', options).catch((error: MnsRequestError) => error.code);
    expect(await invalid({ endpoint: 'ftp://example.com' })).toBe('InvalidArgument');
    expect(await invalid({ endpoint: `acs:mns:other-region:${ACCOUNT}:queues/q` })).toBe('InvalidArgument');
    expect(await invalid({ endpoint: 'http://127.0.0.1:1', filterTag: 'x'.repeat(17) })).toBe(
      'InvalidArgument',
    );
    const missing = mnsSubscribe(server.url, CRED, 'no-topic', 's', { endpoint: 'http://127.0.0.1:1' });
    await expect(missing).rejects.toBeInstanceOf(MnsRequestError);
    await expect(missing).rejects.toMatchObject({ status: 404, code: 'TopicNotExist' });
  });
});
