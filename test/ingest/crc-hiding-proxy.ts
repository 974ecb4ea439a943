import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy in front of the local OSS server that drops `x-oss-hash-crc64ecma` from every answer, as OSS
 * does for objects it keeps no CRC-64 for. The real ali-oss goes through it unchanged (V1 signatures do not
 * cover the host); `requests` lists what passed (method and path).
 */
export interface CrcHidingProxy {
  url: string;
  requests: { method: string; path: string }[];
  close(): Promise<void>;
}

export async function startCrcHidingProxy(target: string): Promise<CrcHidingProxy> {
  const upstream = new URL(target);
  const requests: CrcHidingProxy['requests'] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? 'GET', path: req.url ?? '/' });
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        const headers = { ...answer.headers };
        delete headers['x-oss-hash-crc64ecma'];
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      },
    );
    forward.once('error', () => res.destroy());
    req.pipe(forward);
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
