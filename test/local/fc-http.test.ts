import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FcRuntime, startFcRuntime } from '../../local/fc/runtime.js';
import { ACCOUNT_ID, fixture, STS, tempDir } from './fc-fixtures.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A raw request, so repeated headers and bodies go on the wire exactly as written. */
function send(url: string, method: string, headers: [string, string][] = [], body?: Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // A flat raw-header list keeps repeats apart; Node then adds no Host of its own.
    const raw = [['Host', new URL(url).host], ...headers].flat();
    const req = request(url, { method, headers: raw as unknown as Record<string, string> }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('fc runtime: HTTP trigger', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let fc: FcRuntime;
  let base: string;

  beforeAll(async () => {
    dir = await tempDir('fc-http');
    fc = await startFcRuntime({
      sYamlPath: fixture('http.s.yaml'),
      env: {},
      config: { AccountID: ACCOUNT_ID },
      credentials: STS,
      log: () => {},
    });
    base = fc.httpUrl('web') as string;
  });

  afterAll(async () => {
    await fc?.close();
    await dir?.remove();
  });

  it('hands the function the FC 3.0 HTTP event and maps its {statusCode, headers, body} back', async () => {
    const reply = await send(
      `${base}/api/v1/factors%20list?dataset=alpha158&col=a&col=b`,
      'POST',
      [
        ['Content-Type', 'application/json'],
        ['X-Multi', 'one'],
        ['X-Multi', 'two'],
        ['User-Agent', 'fc-test/1.0'],
      ],
      Buffer.from('{"q":1}'),
    );
    expect(reply.status).toBe(201);
    expect(reply.headers['x-echo']).toBe('yes');
    const event = JSON.parse(reply.body.toString('utf8'));
    expect(reply.headers['x-fc-request-id']).toBe(event.requestContext.requestId);
    expect(event).toMatchObject({
      version: 'v1',
      rawPath: '/api/v1/factors%20list',
      queryParameters: { dataset: 'alpha158', col: 'a,b' },
      body: '{"q":1}',
      isBase64Encoded: false,
      requestContext: {
        accountId: ACCOUNT_ID,
        domainName: `${ACCOUNT_ID}.cn-shanghai.fc.aliyuncs.com`,
        domainPrefix: ACCOUNT_ID,
        http: {
          method: 'POST',
          path: '/api/v1/factors list',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'fc-test/1.0',
        },
      },
    });
    expect(event.headers).toMatchObject({ 'Content-Type': 'application/json', 'X-Multi': 'one,two' });
    expect(event.requestContext.timeEpoch).toMatch(/^\d{13}$/);
    expect(event.requestContext.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const [record] = fc.invocations().filter((r) => r.requestId === event.requestContext.requestId);
    expect(record).toMatchObject({ fn: 'web', trigger: 'http', async: false, status: 'succeeded' });
  });

  it('base64-encodes a binary body and decodes an isBase64Encoded response', async () => {
    const bytes = Buffer.from([0xff, 0x00, 0x10, 0x80]);
    const echoed = await send(`${base}/bin`, 'POST', [['Content-Type', 'application/octet-stream']], bytes);
    const event = JSON.parse(echoed.body.toString('utf8'));
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body, 'base64')).toEqual(bytes);

    const binary = await send(`${base}/?mode=binary`, 'GET');
    expect(binary.status).toBe(200);
    expect(binary.headers['content-type']).toBe('image/png');
    expect(binary.body).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it('answers a plain object with 200 JSON and a string with 200 text', async () => {
    const plain = await send(`${base}/?mode=plain`, 'GET');
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toBe('application/json');
    expect(JSON.parse(plain.body.toString('utf8'))).toEqual({ hello: 'world' });

    const text = await send(`${base}/?mode=text`, 'GET');
    expect(text.status).toBe(200);
    expect(text.headers['content-type']).toMatch(/^text\/plain/);
    expect(text.body.toString('utf8')).toBe('just text');
  });

  it('refuses a method the trigger does not list with 405, and reports a function error with 502', async () => {
    const put = await send(`${base}/x`, 'PUT');
    expect(put.status).toBe(405);

    const failed = await send(`${base}/?mode=throw`, 'GET');
    expect(failed.status).toBe(502);
    expect(failed.headers['x-fc-error-type']).toBe('UnhandledInvocationError');
    expect(JSON.parse(failed.body.toString('utf8'))).toMatchObject({
      errorMessage: 'http handler failed',
      errorType: 'Error',
    });
  });

  it('gives each function with an http trigger its own listener; function auth needs Authorization', async () => {
    const guarded = fc.httpUrl('guarded') as string;
    expect(guarded).not.toBe(base);
    expect((await send(`${guarded}/?mode=plain`, 'GET')).status).toBe(401);
    const signed = await send(`${guarded}/?mode=plain`, 'GET', [['Authorization', 'FC key:signature']]);
    expect(signed.status).toBe(200);
  });
});
