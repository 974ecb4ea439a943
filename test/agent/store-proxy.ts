import { createServer, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the proxy saw it. */
export interface ProxiedRequest {
  method: string;
  /** The raw path with its query. */
  url: string;
  query: Record<string, string>;
}

/** An error answer of the store's own (the OSS error document, https://help.aliyun.com/document_detail/32005.html). */
export interface StoreRefusal {
  status: number;
  code: string;
  message: string;
}

export interface StoreProxyOptions {
  /** Drop x-oss-hash-crc64ecma from every answer, as a store that computes no CRC-64 does. */
  hideCrc?: boolean;
  /** Read the bucket from the first path segment only, as a path-style-only store or gateway does. */
  pathStyleOnly?: string;
  /** Answer with an error instead of forwarding. */
  refuse?: (req: ProxiedRequest) => StoreRefusal | undefined;
  /** Change a request body on its way to the store (a store that assembles uploads wrong). */
  rewriteBody?: (req: ProxiedRequest) => ((body: Buffer) => Buffer) | undefined;
  /** Look at a request (with its body) first; an answer returned is sent instead of forwarding it. */
  answer?: (req: ProxiedRequest, body: Buffer) => Promise<ProxyAnswer | undefined>;
}

export interface ProxyAnswer {
  status: number;
  headers: Record<string, string>;
}

/**
 * An OSS-compatible store of a kind the local OSS server is not, made from it: an HTTP proxy in front of it
 * that hides the CRC-64, only understands path-style requests, refuses what it does not support, or
 * alters what it stores. The real ali-oss talks to it (V1 signatures cover neither the host nor the body).
 */
export interface StoreProxy {
  url: string;
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

export async function startStoreProxy(target: string, options: StoreProxyOptions = {}): Promise<StoreProxy> {
  const upstream = new URL(target);
  const requests: ProxiedRequest[] = [];
  const server = createServer((req, res) => {
    const seen = describe(req);
    requests.push(seen);
    const refusal = options.refuse?.(seen) ?? pathStyleRefusal(options.pathStyleOnly, seen);
    if (refusal !== undefined) {
      req.resume();
      const id = `PROXY${String(requests.length).padStart(19, '0')}`;
      res.writeHead(refusal.status, { 'content-type': 'application/xml', 'x-oss-request-id': id });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${refusal.code}</Code><Message>${refusal.message}</Message><RequestId>${id}</RequestId><HostId>proxy</HostId></Error>`,
      );
      return;
    }
    const forward = (body: Buffer | undefined) => {
      const headers = { ...req.headers };
      if (body !== undefined) headers['content-length'] = String(body.length);
      const out = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
        (answer) => {
          const back = { ...answer.headers };
          if (options.hideCrc) delete back['x-oss-hash-crc64ecma'];
          res.writeHead(answer.statusCode ?? 502, back);
          answer.pipe(res);
        },
      );
      out.once('error', () => res.destroy());
      if (body === undefined) req.pipe(out);
      else out.end(body);
    };
    const rewrite = options.rewriteBody?.(seen);
    if (options.answer === undefined && rewrite === undefined) return forward(undefined);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const given = options.answer?.(seen, body) ?? Promise.resolve(undefined);
      given.then(
        (answer) => {
          if (answer === undefined) return forward(rewrite === undefined ? body : rewrite(body));
          res.writeHead(answer.status, answer.headers);
          res.end();
        },
        () => res.destroy(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function describe(req: IncomingMessage): ProxiedRequest {
  const url = req.url ?? '/';
  const query: Record<string, string> = {};
  for (const [k, v] of new URL(url, 'http://x').searchParams) query[k] = v;
  return { method: req.method ?? 'GET', url, query };
}

/** A path-style-only store takes the first path segment for the bucket: `/<key>` names no bucket of its. */
function pathStyleRefusal(bucket: string | undefined, req: ProxiedRequest): StoreRefusal | undefined {
  if (bucket === undefined) return undefined;
  const first = req.url.split('?')[0]?.split('/')[1] ?? '';
  if (first === bucket) return undefined;
  return { status: 404, code: 'NoSuchBucket', message: 'The specified bucket does not exist.' };
}
