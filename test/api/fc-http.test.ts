import { describe, expect, it } from 'vitest';
import { fcResponseOf, requestOf } from '../../functions/api/fc-http.js';

/** An HTTP-trigger event as FC 3.0 sends it (devsapp/fc3 event-template/http.json), as a Buffer of JSON. */
function event(patch: Record<string, unknown> = {}, http: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      version: 'v1',
      rawPath: '/v1/datasets/alpha%20x/values',
      headers: { Host: 'abc.cn-hangzhou.fcapp.run', Accept: 'application/json', 'X-Multi': 'one,two' },
      queryParameters: { fields: 'KMID,ROC5', start: '2024-01-02' },
      body: '',
      isBase64Encoded: false,
      requestContext: {
        accountId: '1234567890123456',
        domainName: '1234567890123456.cn-hangzhou.fc.aliyuncs.com',
        requestId: 'r-1',
        http: {
          method: 'GET',
          path: '/v1/datasets/alpha x/values',
          protocol: 'HTTP/1.1',
          sourceIp: '1.2.3.4',
          ...http,
        },
      },
      ...patch,
    }),
  );
}

describe('FC 3.0 HTTP trigger event ⇄ Web Request/Response', () => {
  it('keeps the raw (encoded) path, the Host, the query (several values joined by commas) and the headers', () => {
    const r = requestOf(event());
    if (!('ok' in r)) throw new Error(r.error);
    const url = new URL(r.ok.url);
    expect(url.host).toBe('abc.cn-hangzhou.fcapp.run');
    expect(url.pathname).toBe('/v1/datasets/alpha%20x/values');
    expect(url.searchParams.get('fields')).toBe('KMID,ROC5');
    expect(r.ok.headers.get('x-multi')).toBe('one,two');
    expect(r.ok.method).toBe('GET');
  });

  it('decodes a base64 body and passes a text body as it is', async () => {
    const binary = Buffer.from([0, 1, 2, 250, 251]);
    const b64 = requestOf(
      event({ body: binary.toString('base64'), isBase64Encoded: true }, { method: 'PUT' }),
    );
    if (!('ok' in b64)) throw new Error(b64.error);
    expect(Buffer.from(await b64.ok.arrayBuffer())).toEqual(binary);
    const text = requestOf(event({ body: '{"contract":"freeze"}' }, { method: 'patch' }));
    if (!('ok' in text)) throw new Error(text.error);
    expect(text.ok.method).toBe('PATCH');
    expect(await text.ok.json()).toEqual({ contract: 'freeze' });
  });

  it('says what is wrong with an event that is not an HTTP-trigger event', () => {
    expect(requestOf(Buffer.from('not json'))).toEqual({ error: 'the event is not JSON' });
    const r = requestOf(Buffer.from(JSON.stringify({ events: [] })));
    expect('error' in r && r.error).toMatch(/\$\.rawPath is required.*\$\.requestContext is required/);
  });

  it('answers text as text and anything else in base64, with status and headers', async () => {
    const json = await fcResponseOf(
      new Response('{"a":1}', { status: 201, headers: { 'content-type': 'application/json', etag: '"x"' } }),
    );
    expect(json).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'application/json', etag: '"x"' },
      isBase64Encoded: false,
      body: '{"a":1}',
    });
    const csv = await fcResponseOf(
      new Response('a,b\n', { headers: { 'content-type': 'text/csv; charset=utf-8' } }),
    );
    expect(csv.isBase64Encoded).toBe(false);
    const png = await fcResponseOf(
      new Response(new Uint8Array([137, 80, 78, 71]), { headers: { 'content-type': 'image/png' } }),
    );
    expect(png).toMatchObject({
      isBase64Encoded: true,
      body: Buffer.from([137, 80, 78, 71]).toString('base64'),
    });
    const empty = await fcResponseOf(new Response(null, { status: 304 }));
    expect(empty).toMatchObject({ statusCode: 304, body: '', isBase64Encoded: false });
  });
});
