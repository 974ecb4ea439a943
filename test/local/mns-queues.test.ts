import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MNS from '@alicloud/mns';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mnsSubscribe } from '../../local/mns/request.js';
import { type MnsServer, startMnsServer } from '../../local/mns/server.js';

const ACCOUNT = '1234567890';
const REGION = 'cn-beijing';
const CRED = { accessKeyId: 'queue-ak', accessKeySecret: 'queue-secret' };

let root: string;
let server: MnsServer;
let mns: MNS;

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mns-queues-'));
  server = await startMnsServer({ accountId: ACCOUNT, region: REGION, credentials: [CRED], root });
  mns = new MNS(ACCOUNT, { ...CRED, endpoint: server.url });
});

afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

describe('local MNS queues through @alicloud/mns', () => {
  it('sends, receives and deletes a message', async () => {
    const created = await mns.createQueue('jobs');
    expect(created.code).toBe(201);
    expect(created.headers.location).toBe(`${server.url}/queues/jobs`);
    const sent = await mns.sendMessage('jobs', { MessageBody: 'am9iLTE=' });
    expect(sent.code).toBe(201);
    expect(sent.body.MessageBodyMD5).toBe(createHash('md5').update('am9iLTE=').digest('hex').toUpperCase());
    expect(server.queued('jobs')).toEqual([
      { messageId: sent.body.MessageId, body: 'am9iLTE=', enqueuedAt: expect.any(String) },
    ]);

    const received = await mns.receiveMessage('jobs');
    expect(received.body).toMatchObject({
      MessageId: sent.body.MessageId,
      MessageBody: 'am9iLTE=',
      DequeueCount: '1',
    });
    expect(Number(received.body.NextVisibleTime)).toBeGreaterThan(Number(received.body.EnqueueTime));
    // Hidden for the visibility timeout: nobody else gets it meanwhile.
    expect((await failure(mns.receiveMessage('jobs'))).name).toBe('MNSMessageNotExistError');
    const attributes = await mns.getQueueAttributes('jobs');
    expect(attributes.body).toMatchObject({
      ActiveMessages: '0',
      InactiveMessages: '1',
      VisibilityTimeout: '30',
    });

    expect((await mns.deleteMessage('jobs', received.body.ReceiptHandle)).code).toBe(204);
    expect(server.queued('jobs')).toEqual([]);
    const again = await failure(mns.deleteMessage('jobs', received.body.ReceiptHandle));
    expect(again.name).toBe('MNSMessageNotExistError');
    expect((await failure(mns.deleteMessage('jobs', 'not-a-handle'))).name).toBe(
      'MNSReceiptHandleErrorError',
    );
  });

  it('answers QueueNotExist for an unknown queue and QueueAlreadyExist for a conflicting create', async () => {
    expect((await failure(mns.sendMessage('ghost', { MessageBody: 'eA==' }))).name).toBe(
      'MNSQueueNotExistError',
    );
    expect((await failure(mns.receiveMessage('ghost'))).name).toBe('MNSQueueNotExistError');
    await mns.createQueue('fixed', { VisibilityTimeout: 60 });
    expect((await mns.createQueue('fixed', { VisibilityTimeout: 60 })).code).toBe(204);
    expect((await failure(mns.createQueue('fixed', { VisibilityTimeout: 90 }))).name).toBe(
      'MNSQueueAlreadyExistError',
    );
    expect((await failure(mns.createQueue('bad', { VisibilityTimeout: 0 }))).name).toBe(
      'MNSInvalidArgumentError',
    );
  });

  it('long-polls until a message arrives', async () => {
    await mns.createQueue('polled');
    const waiting = mns.receiveMessage('polled', 10);
    const sent = await mns.sendMessage('polled', { MessageBody: 'bGF0ZQ==' });
    expect((await waiting).body.MessageId).toBe(sent.body.MessageId);
  });

  it('batches, orders by priority, peeks, holds delayed messages and changes visibility', async () => {
    await mns.createQueue('batch');
    const sent = await mns.batchSendMessage('batch', [
      { MessageBody: 'bG93', Priority: 12 },
      { MessageBody: 'aGlnaA==', Priority: 1 },
      { MessageBody: 'bGF0ZXI=', DelaySeconds: 3600 },
    ]);
    expect(sent.body).toHaveLength(3);
    expect((await mns.peekMessage('batch')).body.MessageBody).toBe('aGlnaA==');
    expect((await mns.getQueueAttributes('batch')).body).toMatchObject({
      ActiveMessages: '2',
      DelayMessages: '1',
    });

    const received = await mns.batchReceiveMessage('batch', 16);
    expect(received.body.map((m) => m.MessageBody)).toEqual(['aGlnaA==', 'bG93']);
    const [first, second] = received.body;
    const changed = await mns.changeMessageVisibility('batch', first?.ReceiptHandle ?? '', 120);
    expect(changed.body.ReceiptHandle).not.toBe(first?.ReceiptHandle);
    const deleted = await mns.batchDeleteMessage('batch', [
      changed.body.ReceiptHandle,
      second?.ReceiptHandle ?? '',
    ]);
    expect(deleted.code).toBe(204);
    expect(server.queued('batch').map((m) => m.body)).toEqual(['bGF0ZXI=']);
  });
});

describe('local MNS queue subscriptions', () => {
  it('enqueues published messages in the subscription format, filtered by tag', async () => {
    await mns.createTopic('fanout');
    await mns.createQueue('inbox');
    const queueEndpoint = `acs:mns:${REGION}:${ACCOUNT}:queues/inbox`;
    expect(
      await mnsSubscribe(server.url, CRED, 'fanout', 'to-inbox', {
        endpoint: queueEndpoint,
        filterTag: 'fail',
      }),
    ).toBe(201);

    await mns.publishMessage('fanout', { MessageBody: 'b2s=', MessageTag: 'ok' });
    expect(server.queued('inbox')).toEqual([]);
    const published = await mns.publishMessage('fanout', { MessageBody: 'ZmFpbGVk', MessageTag: 'fail' });
    expect(server.queued('inbox')).toHaveLength(1);

    const received = await mns.receiveMessage('inbox');
    const notification = new XMLParser({ parseTagValue: false }).parse(received.body.MessageBody) as {
      Notification: Record<string, string>;
    };
    expect(notification.Notification).toMatchObject({
      TopicOwner: ACCOUNT,
      TopicName: 'fanout',
      SubscriptionName: 'to-inbox',
      MessageId: published.body.MessageId,
      MessageTag: 'fail',
      Message: 'ZmFpbGVk',
    });
    expect((await mns.deleteMessage('inbox', received.body.ReceiptHandle)).code).toBe(204);
    expect(server.queued('inbox')).toEqual([]);
  });

  it('enqueues the raw body for SIMPLIFIED subscriptions', async () => {
    await mns.createTopic('plain');
    await mns.createQueue('plain-inbox');
    await mnsSubscribe(server.url, CRED, 'plain', 'raw', {
      endpoint: `acs:mns:${REGION}:${ACCOUNT}:queues/plain-inbox`,
      notifyContentFormat: 'SIMPLIFIED',
    });
    await mns.publishMessage('plain', { MessageBody: 'cmF3' });
    expect(server.queued('plain-inbox').map((m) => m.body)).toEqual(['cmF3']);
  });
});
