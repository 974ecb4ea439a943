import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MNS from '@alicloud/mns';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyPushSignature } from '../../local/mns/push-signer.js';
import { mnsSubscribe } from '../../local/mns/request.js';
import { type MnsServer, startMnsServer } from '../../local/mns/server.js';
import { type PushEndpoint, type ReceivedPush, startPushEndpoint } from './mns-endpoint.js';

const ACCOUNT = '1234567890';
const REGION = 'cn-shanghai';
const CRED = { accessKeyId: 'push-ak', accessKeySecret: 'push-secret' };

let root: string;
let server: MnsServer;
let mns: MNS;
const endpoints: PushEndpoint[] = [];

async function endpoint(statuses: number[] = []): Promise<PushEndpoint> {
  const started = await startPushEndpoint(statuses);
  endpoints.push(started);
  return started;
}

function md5Upper(text: string): string {
  return createHash('md5').update(text).digest('hex').toUpperCase();
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mns-push-'));
  server = await startMnsServer({
    accountId: ACCOUNT,
    region: REGION,
    credentials: [CRED],
    root,
    pushRetry: { attempts: 3, delayMs: 20 },
  });
  mns = new MNS(ACCOUNT, { ...CRED, endpoint: server.url });
});

afterEach(async () => {
  await Promise.all(endpoints.splice(0).map((e) => e.close()));
});

afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

describe('local MNS push to HTTP endpoints', () => {
  it('pushes an XML notification to /notifications, signed with the key behind x-mns-signing-cert-url', async () => {
    await mns.createTopic('xml-topic');
    const hook = await endpoint();
    expect(await mnsSubscribe(server.url, CRED, 'xml-topic', 'hook', { endpoint: hook.url })).toBe(201);
    const body = Buffer.from('{"batch":"b-1"}').toString('base64');
    const sent = await mns.publishMessage('xml-topic', { MessageBody: body, MessageTag: 'ingest' });

    const [push] = (await hook.waitFor(1)) as [ReceivedPush];
    expect(push.method).toBe('POST');
    expect(push.path).toBe('/notifications');
    expect(push.headers['content-type']).toBe('text/xml;charset=utf-8');
    expect(push.headers['x-mns-version']).toBe('2015-06-06');
    expect(push.headers['x-mns-request-id']).toMatch(/^[0-9A-F]{24}$/);
    const parsed = new XMLParser({ parseTagValue: false }).parse(push.body) as { Notification: unknown };
    expect(parsed.Notification).toEqual({
      TopicOwner: ACCOUNT,
      TopicName: 'xml-topic',
      Subscriber: ACCOUNT,
      SubscriptionName: 'hook',
      MessageId: sent.body.MessageId,
      MessageMD5: md5Upper(body),
      MessageTag: 'ingest',
      Message: body,
      PublishTime: String(Date.parse(server.published('xml-topic')[0]?.publishedAt ?? '')),
    });

    const certUrl = Buffer.from(String(push.headers['x-mns-signing-cert-url']), 'base64').toString('utf8');
    expect(certUrl.startsWith(server.url)).toBe(true);
    const pem = await (await fetch(certUrl)).text();
    const request = { method: 'POST', resource: push.path, headers: push.headers };
    expect(verifyPushSignature(pem, request)).toBe(true);
    expect(verifyPushSignature(pem, { ...request, resource: '/elsewhere' })).toBe(false);
  });

  it('pushes the JSON format to the endpoint path and SIMPLIFIED as the raw body with id/tag headers', async () => {
    await mns.createTopic('formats');
    const hook = await endpoint();
    await mnsSubscribe(server.url, CRED, 'formats', 'as-json', {
      endpoint: `${hook.url}/hooks/json`,
      notifyContentFormat: 'JSON',
    });
    await mnsSubscribe(server.url, CRED, 'formats', 'as-text', {
      endpoint: `${hook.url}/hooks/text`,
      notifyContentFormat: 'SIMPLIFIED',
    });
    const sent = await mns.publishMessage('formats', { MessageBody: 'cGxhaW4=', MessageTag: 'warn' });

    const pushes = await hook.waitFor(2);
    const json = pushes.find((p) => p.path === '/hooks/json');
    const text = pushes.find((p) => p.path === '/hooks/text');
    expect(JSON.parse(json?.body ?? '{}')).toMatchObject({
      TopicOwner: ACCOUNT,
      TopicName: 'formats',
      SubscriptionName: 'as-json',
      MessageId: sent.body.MessageId,
      MessageMD5: md5Upper('cGxhaW4='),
      MessageTag: 'warn',
      Message: 'cGxhaW4=',
    });
    expect(text?.body).toBe('cGxhaW4=');
    expect(text?.headers['x-mns-message-id']).toBe(sent.body.MessageId);
    expect(text?.headers['x-mns-message-tag']).toBe('warn');
  });

  it('delivers only messages whose tag equals the FilterTag', async () => {
    await mns.createTopic('filtered');
    const hook = await endpoint();
    await mnsSubscribe(server.url, CRED, 'filtered', 'only-keep', {
      endpoint: `${hook.url}/keep`,
      filterTag: 'keep',
    });
    await mnsSubscribe(server.url, CRED, 'filtered', 'all', { endpoint: `${hook.url}/all` });
    await mns.publishMessage('filtered', { MessageBody: 'ZHJvcA==', MessageTag: 'drop' });
    await mns.publishMessage('filtered', { MessageBody: 'dW50YWdnZWQ=' });
    await mns.publishMessage('filtered', { MessageBody: 'a2VlcA==', MessageTag: 'keep' });

    const pushes = await hook.waitFor(4);
    expect(pushes.filter((p) => p.path === '/all')).toHaveLength(3);
    const kept = pushes.filter((p) => p.path === '/keep');
    expect(kept).toHaveLength(1);
    expect(kept[0]?.body).toContain('<Message>a2VlcA==</Message>');
  });

  it('retries a push that got a 500 and stops after success', async () => {
    await mns.createTopic('flaky');
    const hook = await endpoint([500]);
    await mnsSubscribe(server.url, CRED, 'flaky', 'flaky-hook', { endpoint: hook.url });
    const first = await mns.publishMessage('flaky', { MessageBody: 'b25l' });
    const [failed, retried] = await hook.waitFor(2);
    expect(failed?.body).toContain(first.body.MessageId);
    expect(retried?.body).toContain(first.body.MessageId);
    // The next request the endpoint sees is the next message, not a third try of the first.
    const second = await mns.publishMessage('flaky', { MessageBody: 'dHdv' });
    const pushes = await hook.waitFor(3);
    expect(pushes[2]?.body).toContain(second.body.MessageId);
  });

  it('gives up after the configured number of attempts', async () => {
    await mns.createTopic('down');
    const hook = await endpoint([500, 500, 500]);
    await mnsSubscribe(server.url, CRED, 'down', 'down-hook', { endpoint: hook.url });
    const first = await mns.publishMessage('down', { MessageBody: 'bG9zdA==' });
    const attempts = await hook.waitFor(3);
    expect(attempts.every((p) => p.body.includes(first.body.MessageId))).toBe(true);
    const next = await mns.publishMessage('down', { MessageBody: 'bmV4dA==' });
    const pushes = await hook.waitFor(4);
    expect(pushes[3]?.body).toContain(next.body.MessageId);
  });
});
