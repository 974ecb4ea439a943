import { join } from 'node:path';
import MNS from '@alicloud/mns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.js';
import { ManualClock } from '../../local/fc/clock.js';
import type { DestinationPayload } from '../../local/fc/destinations.js';
import { type FcRuntime, startFcRuntime } from '../../local/fc/runtime.js';
import { type MnsServer, startMnsServer } from '../../local/mns/server.js';
import { ACCOUNT_ID, CREDENTIALS, filesIn, fixture, readSeen, STS, tempDir } from './fc-fixtures.js';

const TOPIC = 'fc-alerts';
const QUEUE = 'fc-dead-letters';

describe('fc runtime: async retries and destinations', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let out: string;
  let mns: MnsServer;
  let client: MNS;
  let fc: FcRuntime;
  const clock = new ManualClock(new Date('2024-05-01T00:00:00Z'));
  const runtimeLog: string[] = [];

  beforeAll(async () => {
    dir = await tempDir('fc-async');
    out = join(dir.path, 'out');
    mns = await startMnsServer({ region: 'cn-hangzhou', accountId: ACCOUNT_ID, credentials: [CREDENTIALS] });
    client = new MNS(ACCOUNT_ID, { ...CREDENTIALS, endpoint: mns.url });
    await client.createTopic(TOPIC);
    await client.createQueue(QUEUE);
    fc = await startFcRuntime({
      sYamlPath: fixture('async.s.yaml'),
      env: { OUT_DIR: out, TOPIC, QUEUE },
      config: { AccountID: ACCOUNT_ID },
      credentials: STS,
      mns: { url: mns.url, accountId: ACCOUNT_ID, credentials: CREDENTIALS },
      clock,
      retryDelaysMs: [5, 10],
      log: () => {},
      logger: createLogger({ write: (line) => runtimeLog.push(line), now: () => new Date() }),
    });
  });

  afterAll(async () => {
    await fc?.close();
    await mns?.close();
    await dir?.remove();
  });

  it('runs a throwing handler 1 + maxAsyncRetryAttempts times, then publishes to the onFailure topic', async () => {
    const event = '{"events":[{"eventName":"ObjectCreated:PutObject"}]}';
    const published = mns.waitForPublish(TOPIC, 10_000);
    const accepted = await fc.invoke('failing', event, { async: true });
    expect(accepted.status).toBe(202);
    const message = await published;
    await fc.idle();

    const attempts = fc.invocations().filter((r) => r.requestId === accepted.requestId);
    expect(attempts.map((a) => [a.attempt, a.status, a.error?.type])).toEqual([
      [1, 'failed', 'UnhandledInvocationError'],
      [2, 'failed', 'UnhandledInvocationError'],
      [3, 'failed', 'UnhandledInvocationError'],
    ]);
    const runs = (await filesIn(out, '.fail')).filter((f) => f.startsWith(accepted.requestId));
    expect(runs).toHaveLength(3);
    // Between attempts the runtime backs off by the configured schedule: retry n waits retryDelaysMs[n-1].
    const retries = runtimeLog
      .map(
        (line) => JSON.parse(line) as { msg: string; requestId?: string; attempt?: number; delayMs?: number },
      )
      .filter((l) => l.msg === 'fc async retry' && l.requestId === accepted.requestId);
    expect(retries.map((l) => [l.attempt, l.delayMs])).toEqual([
      [1, 5],
      [2, 10],
    ]);
    expect(JSON.parse(message.body)).toEqual({
      timestamp: clock.now().getTime(),
      requestContext: {
        requestId: accepted.requestId,
        functionArn: `acs:fc:cn-hangzhou:${ACCOUNT_ID}:functions/failing`,
        condition: 'UnhandledInvocationError',
        approximateInvokeCount: 3,
      },
      requestPayload: event,
      responseContext: { statusCode: 200, functionError: 'boom <failing> & more' },
      responsePayload: '',
    } satisfies DestinationPayload);
  });

  it('sends the failure record to an onFailure queue, readable with the real client', async () => {
    const accepted = await fc.invoke('failing-to-queue', '{"n":1}', { async: true });
    await fc.idle();
    const received = await client.receiveMessage(QUEUE, 1);
    await client.deleteMessage(QUEUE, received.body.ReceiptHandle);

    const record = JSON.parse(received.body.MessageBody) as DestinationPayload;
    expect(record.requestContext).toEqual({
      requestId: accepted.requestId,
      functionArn: `acs:fc:cn-hangzhou:${ACCOUNT_ID}:functions/failing-to-queue`,
      condition: 'UnhandledInvocationError',
      approximateInvokeCount: 1,
    });
    expect(record.requestPayload).toBe('{"n":1}');
    expect(record.responseContext.functionError).toBe('boom <failing-to-queue> & more');
  });

  it('invokes an onSuccess function destination with the success record as its event', async () => {
    const accepted = await fc.invoke('succeeding', '{"hello":1}', { async: true });
    const [caught] = await fc.waitForInvocations((r) => r.fn === 'catcher');
    await fc.idle();

    expect(caught).toMatchObject({ trigger: 'destination', async: true, status: 'succeeded' });
    const seen = await readSeen(out, caught?.requestId as string);
    const record = JSON.parse(seen.event) as DestinationPayload;
    expect(record.requestContext).toEqual({
      requestId: accepted.requestId,
      functionArn: `acs:fc:cn-hangzhou:${ACCOUNT_ID}:functions/succeeding`,
      condition: 'Succeeded',
      approximateInvokeCount: 1,
    });
    expect(record.requestPayload).toBe('{"hello":1}');
    expect(JSON.parse(record.responsePayload)).toMatchObject({ event: '{"hello":1}' });
  });

  it('drops an event older than maxAsyncEventAgeInSeconds to onFailure instead of retrying it', async () => {
    const published = mns.waitForPublish(TOPIC, 10_000);
    const accepted = await fc.invoke('expiring', '{"old":true}', { async: true });
    await fc.waitForInvocations((r) => r.requestId === accepted.requestId);
    // The retry waits 5 ms of real time; the event's age is measured on the runtime's clock.
    await clock.advance(61_000);
    const message = await published;
    await fc.idle();

    expect(fc.invocations().filter((r) => r.requestId === accepted.requestId)).toHaveLength(1);
    const record = JSON.parse(message.body) as DestinationPayload;
    expect(record.requestContext).toMatchObject({ condition: 'Expired', approximateInvokeCount: 1 });
    expect(record.timestamp).toBe(clock.now().getTime());
  });
});
