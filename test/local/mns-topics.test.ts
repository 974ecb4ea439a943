import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MNS from '@alicloud/mns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mnsRequest } from '../../local/mns/request.js';
import { type MnsServer, startMnsServer } from '../../local/mns/server.js';

const ACCOUNT = '1234567890';
const REGION = 'cn-hangzhou';
const CRED = { accessKeyId: 'test-ak', accessKeySecret: 'test-secret' };
const STS = { accessKeyId: 'STS.test-ak', accessKeySecret: 'sts-secret', securityToken: 'sts-token-1' };

let root: string;
let server: MnsServer;
let mns: MNS;

/** The error an SDK call rejects with, for asserting on its name (MNS<Code>Error). */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mns-topics-'));
  server = await startMnsServer({ accountId: ACCOUNT, region: REGION, credentials: [CRED, STS], root });
  mns = new MNS(ACCOUNT, { ...CRED, endpoint: server.url });
});

afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

describe('local MNS topics through @alicloud/mns', () => {
  it('creates a topic: 201 with Location, identical again 204, different attributes 409', async () => {
    const created = await mns.createTopic('alerts');
    expect(created.code).toBe(201);
    expect(created.headers.location).toBe(`${server.url}/topics/alerts`);
    expect((await mns.createTopic('alerts')).code).toBe(204);
    const conflict = await failure(mns.createTopic('alerts', { MaximumMessageSize: 2048 }));
    expect(conflict.name).toBe('MNSTopicAlreadyExistError');
  });

  it('reads topic attributes and lists topics', async () => {
    await mns.createTopic('listed-one', { MaximumMessageSize: 4096 });
    const attributes = await mns.getTopicAttributes('listed-one');
    expect(attributes.code).toBe(200);
    expect(attributes.body).toMatchObject({
      TopicName: 'listed-one',
      MaximumMessageSize: '4096',
      MessageCount: '0',
    });
    const listed = await mns.listTopic();
    expect(listed.body?.map((t) => t.TopicURL)).toContain(`${server.url}/topics/listed-one`);
  });

  it('publishes a base64 body with a tag: MessageBodyMD5 is the upper hex MD5 and published() shows it', async () => {
    await mns.createTopic('published');
    const body = Buffer.from(JSON.stringify({ level: 'error', msg: 'a<b & c' })).toString('base64');
    const next = server.waitForPublish('published');
    const result = await mns.publishMessage('published', { MessageBody: body, MessageTag: 'qlib' });
    expect(result.code).toBe(201);
    expect(result.body.MessageBodyMD5).toBe(createHash('md5').update(body).digest('hex').toUpperCase());
    const seen = await next;
    expect(seen).toMatchObject({ topic: 'published', messageId: result.body.MessageId, body, tag: 'qlib' });
    expect(server.published('published')).toEqual([seen]);
    expect(Buffer.from(seen.body, 'base64').toString('utf8')).toContain('a<b & c');
  });

  it('keeps escaped XML text and message attributes as sent', async () => {
    await mns.createTopic('escaped');
    await mns.publishMessage('escaped', {
      MessageBody: 'x &lt; y &amp; z',
      MessageAttributes: { DirectMail: '{"Subject":"s"}' },
    });
    const [message] = server.published('escaped');
    expect(message?.body).toBe('x < y & z');
    expect(message?.tag).toBeUndefined();
    expect(message?.attributes).toEqual({ DirectMail: '{"Subject":"s"}' });
  });

  it('rejects a publish to an unknown topic with TopicNotExist', async () => {
    const error = await failure(mns.publishMessage('no-such-topic', { MessageBody: 'eA==' }));
    expect(error.name).toBe('MNSTopicNotExistError');
    expect((await failure(mns.getTopicAttributes('no-such-topic'))).name).toBe('MNSTopicNotExistError');
  });

  it('rejects unescaped XML with MalformedXML', async () => {
    await mns.createTopic('malformed');
    const error = await failure(mns.publishMessage('malformed', { MessageBody: 'a<b&c' }));
    expect(error.name).toBe('MNSMalformedXMLError');
  });

  it('deletes a topic but keeps its publish log', async () => {
    await mns.createTopic('short-lived');
    await mns.publishMessage('short-lived', { MessageBody: 'bGFzdA==' });
    expect((await mnsRequest(server.url, CRED, 'DELETE', '/topics/short-lived')).status).toBe(204);
    expect((await failure(mns.getTopicAttributes('short-lived'))).name).toBe('MNSTopicNotExistError');
    expect(server.published('short-lived')).toHaveLength(1);
  });
});

describe('local MNS request authentication', () => {
  it('rejects a wrong secret with SignatureDoesNotMatch', async () => {
    const bad = new MNS(ACCOUNT, {
      accessKeyId: CRED.accessKeyId,
      accessKeySecret: 'wrong',
      endpoint: server.url,
    });
    const error = await failure(bad.getTopicAttributes('alerts'));
    expect(error.name).toBe('MNSSignatureDoesNotMatchError');
    expect(error.message).toContain('failed with 403');
  });

  it('rejects an unknown access key with InvalidAccessKeyId', async () => {
    const stranger = new MNS(ACCOUNT, { accessKeyId: 'nobody', accessKeySecret: 'x', endpoint: server.url });
    expect((await failure(stranger.listTopic())).name).toBe('MNSInvalidAccessKeyIdError');
  });

  it('accepts the configured STS token and rejects a wrong or missing one', async () => {
    // Its own topic: the server is the file's, and its tests run in any order.
    await mns.createTopic('sts-probe');
    const sts = new MNS(ACCOUNT, { ...STS, endpoint: server.url });
    expect((await sts.getTopicAttributes('sts-probe')).code).toBe(200);
    const wrong = new MNS(ACCOUNT, { ...STS, securityToken: 'stale-token', endpoint: server.url });
    expect((await failure(wrong.getTopicAttributes('sts-probe'))).name).toBe('MNSAccessDeniedError');
    const { securityToken: _omitted, ...withoutToken } = STS;
    const missing = new MNS(ACCOUNT, { ...withoutToken, endpoint: server.url });
    expect((await failure(missing.getTopicAttributes('sts-probe'))).name).toBe('MNSAccessDeniedError');
  });

  it('rejects a Content-MD5 that does not match the body with InvalidDegist', async () => {
    const body = '<?xml version="1.0" encoding="UTF-8"?><Message><MessageBody>eA==</MessageBody></Message>';
    const wrongMd5 = Buffer.from(createHash('md5').update('other').digest('hex')).toString('base64');
    await mns.createTopic('md5-probe');
    const response = await mnsRequest(server.url, CRED, 'POST', '/topics/md5-probe/messages', body, {
      'content-md5': wrongMd5,
    });
    expect(response.status).toBe(400);
    expect(response.body).toContain('<Code>InvalidDegist</Code>');
    expect(response.headers['x-mns-request-id']).toMatch(/^[0-9A-F]{24}$/);
    expect(response.headers['x-mns-version']).toBe('2015-06-06');
    expect(response.headers['content-type']).toMatch(/^text\/xml/);
  });

  it('rejects a request dated more than 15 minutes off with TimeExpired', async () => {
    const stale = new Date(Date.now() - 20 * 60 * 1000).toUTCString();
    const response = await mnsRequest(server.url, CRED, 'GET', '/topics/alerts', '', {
      date: stale,
      'x-mns-date': stale,
    });
    expect(response.status).toBe(408);
    expect(response.body).toContain('<Code>TimeExpired</Code>');
  });

  it('rejects a request without Authorization', async () => {
    const response = await fetch(`${server.url}/topics/alerts`, {
      headers: { date: new Date().toUTCString() },
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<Code>MissingAuthorizationHeader</Code>');
  });
});

describe('local MNS persistence', () => {
  it('writes its state under root and reads it back after a restart', async () => {
    await mns.createTopic('durable');
    await mns.publishMessage('durable', { MessageBody: 'ZHVyYWJsZQ==' });
    const state = JSON.parse(await readFile(join(root, 'mns-state.json'), 'utf8')) as {
      topics: Record<string, unknown>;
    };
    expect(Object.keys(state.topics)).toContain('durable');
    const again = await startMnsServer({ accountId: ACCOUNT, region: REGION, credentials: [CRED], root });
    try {
      const client = new MNS(ACCOUNT, { ...CRED, endpoint: again.url });
      expect((await client.getTopicAttributes('durable')).body.MessageCount).toBe('1');
      expect(again.published('durable').map((m) => m.body)).toEqual(['ZHVyYWJsZQ==']);
    } finally {
      await again.close();
    }
  });
});
