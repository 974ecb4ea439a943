import { join } from 'node:path';
import MNS from '@alicloud/mns';
import OSS from 'ali-oss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MnsSubscriptions } from '../../adapters/alerts/subscriptions.js';
import type { DestinationPayload } from '../../local/fc/destinations.js';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../local/stack.js';
import { fixture, readSeen, tempDir } from './fc-fixtures.js';

describe('local stack: OSS + MNS + FC wired on one s.yaml', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let out: string;
  let stack: LocalStack;
  let options: LocalStackOptions;
  const oss = (s: LocalStack) =>
    new OSS({
      ...s.credentials,
      bucket: s.bucket,
      region: `oss-${s.region}`,
      endpoint: s.oss.url,
      secure: false,
    });

  beforeAll(async () => {
    dir = await tempDir('fc-stack');
    out = join(dir.path, 'out');
    options = {
      stateDir: join(dir.path, 'state'),
      sYamlPath: fixture('stack.s.yaml'),
      env: { OUT_DIR: out },
      retryDelaysMs: [5],
      log: () => {},
    };
    stack = await startLocalStack(options);
  });

  afterAll(async () => {
    await stack?.close();
    await dir?.remove();
  });

  it('runs the OSS-triggered function with its environment pointed at the local endpoints', async () => {
    await oss(stack).put('incoming/factors/alpha158/b-1/manifest.json', Buffer.from('{}'));
    const [run] = await stack.fc.waitForInvocations((r) => r.fn === 'stack-ingest');
    const seen = await readSeen(out, run?.requestId as string);
    expect(seen.env).toMatchObject({
      OSS_BUCKET: 'qlib-local',
      OSS_ENDPOINT: stack.oss.url,
      OSS_INTERNAL: 'false',
      MNS_ENDPOINT: stack.mns.url,
      ALERT_TOPIC: 'qlib-alerts',
      MYSQL_URL: 'mysql://root@127.0.0.1:3306/qlib_local',
      ALIBABA_CLOUD_ACCESS_KEY_ID: stack.credentials.accessKeyId,
    });
    expect(seen.context).toMatchObject({ accountId: stack.accountId, region: stack.region });
  });

  it('delivers the failure record of an exhausted async invocation to the failure queue, and subscribes nothing', async () => {
    await oss(stack).put('poison/batch.json', Buffer.from('{"bad":true}'));
    await stack.fc.waitForInvocations((r) => r.fn === 'stack-alarm', 2, 10_000);
    await stack.fc.idle();
    const mns = new MNS(stack.accountId, { ...stack.credentials, endpoint: stack.mns.url });
    const received = await mns.receiveMessage(stack.failureQueue, 2);
    const record = JSON.parse(received.body.MessageBody) as DestinationPayload;
    expect(record.requestContext).toMatchObject({
      functionArn: `acs:fc:${stack.region}:${stack.accountId}:functions/stack-alarm`,
      condition: 'UnhandledInvocationError',
      approximateInvokeCount: 2,
    });
    expect(JSON.parse(record.requestPayload).events[0].oss.object.key).toBe('poison/batch.json');
    await mns.deleteMessage(stack.failureQueue, received.body.ReceiptHandle);
    // The user subscribes what they want (npm run alerts -- subscribe); the stack subscribes nothing itself.
    const subscriptions = new MnsSubscriptions({ endpoint: stack.mns.url, credentials: stack.credentials });
    expect(await subscriptions.list(stack.alertTopic)).toEqual([]);
  });

  it('keeps its state across a restart, and --reset wipes it', async () => {
    await oss(stack).put('kept/object.txt', Buffer.from('kept'));
    await stack.close();
    stack = await startLocalStack(options);
    expect((await oss(stack).get('kept/object.txt')).content.toString()).toBe('kept');

    await stack.close();
    stack = await startLocalStack({ ...options, reset: true });
    await expect(oss(stack).head('kept/object.txt')).rejects.toMatchObject({ code: 'NoSuchKey' });
  });

  it('refuses to start when the function code has not been built, naming the directory', async () => {
    const error = await startLocalStack({
      ...options,
      stateDir: join(dir.path, 'unbuilt'),
      sYamlPath: fixture('missing-code.s.yaml'),
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'FC_CODE_MISSING' });
  });
});
