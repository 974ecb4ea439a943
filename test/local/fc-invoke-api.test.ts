import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fc3FunctionClient } from '../../adapters/function-client/fc3.js';
import { createLogger } from '../../core/logger.js';
import { type InvokeApi, startInvokeApi } from '../../local/fc/invoke-api.js';
import { type FcRuntime, startFcRuntime } from '../../local/fc/runtime.js';
import { ACCOUNT_ID, CREDENTIALS, fixture, readSeen, STS, tempDir } from './fc-fixtures.js';

/**
 * The FC 3.0 InvokeFunction API of the local runtime, driven by the real @alicloud/fc20230330 client (through the
 * project's adapter, as the monitor uses it): ACS3-HMAC-SHA256 checked, Sync and Async, FC's error JSON.
 */
describe('fc runtime: the FC 3.0 InvokeFunction API', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let out: string;
  let fc: FcRuntime;
  let api: InvokeApi;
  const quiet = createLogger({ write: () => {}, now: () => new Date() });
  const client = (
    credentials: { accessKeyId: string; accessKeySecret: string; securityToken?: string } = CREDENTIALS,
  ) =>
    new Fc3FunctionClient({ accountId: ACCOUNT_ID, region: 'cn-hangzhou', endpoint: api.url, credentials });

  beforeAll(async () => {
    dir = await tempDir('fc-api');
    out = join(dir.path, 'out');
    api = await startInvokeApi({
      host: '127.0.0.1',
      accountId: ACCOUNT_ID,
      credentials: [CREDENTIALS, STS],
      now: () => Date.now(),
      logger: quiet,
    });
    fc = await startFcRuntime({
      sYamlPath: fixture('async.s.yaml'),
      env: { OUT_DIR: out, TOPIC: 'unused', QUEUE: 'unused' },
      config: { AccountID: ACCOUNT_ID },
      credentials: STS,
      retryDelaysMs: [5],
      log: () => {},
      logger: quiet,
    });
    api.attach(fc.invokeTarget());
  });

  afterAll(async () => {
    await api?.close();
    await fc?.close();
    await dir?.remove();
  });

  it('Sync: 200 with the function result and the x-fc-request-id the function saw as context.requestId', async () => {
    const result = await client().invoke('succeeding', Buffer.from('{"hello":"sync"}'), { async: false });
    expect(result.status).toBe(200);
    expect(result.errorType).toBeUndefined();
    expect(result.requestId).toMatch(/^1-/);
    const seen = await readSeen(out, result.requestId);
    expect(seen.event).toBe('{"hello":"sync"}');
    expect(JSON.parse(result.body.toString('utf8'))).toMatchObject({ event: '{"hello":"sync"}' });
    expect(fc.invocations().find((r) => r.requestId === result.requestId)).toMatchObject({
      trigger: 'api',
      async: false,
    });
  });

  it('Async: 202 at once, then the event runs as an async invocation (retries and destinations apply)', async () => {
    const result = await client(STS).invoke('succeeding', Buffer.from('{"hello":"async"}'), { async: true });
    expect(result.status).toBe(202);
    expect(result.body.length).toBe(0);
    const [run] = await fc.waitForInvocations((r) => r.requestId === result.requestId, 1, 10_000);
    expect(run).toMatchObject({ trigger: 'api', async: true, status: 'succeeded' });
    expect((await readSeen(out, result.requestId)).event).toBe('{"hello":"async"}');
  });

  it('a failing function answers 200 with x-fc-error-type and the error JSON (Sync)', async () => {
    const result = await client().invoke('failing', Buffer.from('{}'), { async: false });
    expect(result.status).toBe(200);
    expect(result.errorType).toBe('UnhandledInvocationError');
    expect(JSON.parse(result.body.toString('utf8'))).toMatchObject({ errorType: 'TypeError' });
  });

  it("answers FC's error JSON: an unknown function 404 FunctionNotFound, a bad key or signature 403", async () => {
    await expect(
      client().invoke('no-such-function', Buffer.from('{}'), { async: true }),
    ).rejects.toMatchObject({
      code: 'FC_REJECTED',
      details: { status: 404, code: 'FunctionNotFound' },
    });
    const wrongSecret = client({ ...CREDENTIALS, accessKeySecret: 'not-the-secret' });
    await expect(wrongSecret.invoke('succeeding', Buffer.from('{}'), { async: true })).rejects.toMatchObject({
      details: { status: 403, code: 'SignatureNotMatch' },
    });
    const unknown = client({ accessKeyId: 'LTAI-unknown', accessKeySecret: 'x' });
    await expect(unknown.invoke('succeeding', Buffer.from('{}'), { async: true })).rejects.toMatchObject({
      details: { status: 403, code: 'InvalidAccessKeyID' },
    });
    const noToken = client({ accessKeyId: STS.accessKeyId, accessKeySecret: STS.accessKeySecret });
    await expect(noToken.invoke('succeeding', Buffer.from('{}'), { async: true })).rejects.toMatchObject({
      details: { status: 403 },
    });
  });

  it('refuses a body that is not the one signed, and an unsigned request', async () => {
    const path = '/2023-03-30/functions/succeeding/invocations';
    const unsigned = await fetch(`${api.url}${path}`, { method: 'POST', body: '{}' });
    expect(unsigned.status).toBe(400);
    expect(await unsigned.json()).toMatchObject({
      Code: 'MissingRequiredHeader',
      RequestId: expect.any(String),
    });

    // A request the SDK signed for another host and this body: replayed with another body, then as it is.
    const signed = await signedHeadersFor('{"a":1}');
    const replay = (body: string) =>
      fetch(`${api.url}${path}`, {
        method: 'POST',
        headers: { ...signed, 'x-fc-invocation-type': 'Async' },
        body,
      });
    const tampered = await replay('{"a":2}');
    expect(tampered.status).toBe(400);
    expect(await tampered.json()).toMatchObject({ Code: 'InvalidArgument' });
    const otherHost = await replay('{"a":1}');
    expect(otherHost.status).toBe(403);
    expect(await otherHost.json()).toMatchObject({ Code: 'SignatureNotMatch' });
  });
});

/** The headers the SDK signs for a body, captured from a request it sends to a throwaway listener. */
async function signedHeadersFor(body: string): Promise<Record<string, string>> {
  const { createServer } = await import('node:http');
  return new Promise((resolve) => {
    const server = createServer((req, res) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (
          typeof v === 'string' &&
          (k.startsWith('x-acs-') || k === 'authorization' || k === 'content-type')
        )
          headers[k] = v;
      }
      res.writeHead(202).end();
      server.close();
      resolve(headers);
    });
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      void new Fc3FunctionClient({
        accountId: ACCOUNT_ID,
        region: 'cn-hangzhou',
        endpoint: `http://127.0.0.1:${port}`,
        credentials: CREDENTIALS,
      }).invoke('succeeding', Buffer.from(body), { async: true });
    });
  });
}
