import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy in front of the local OSS server that forwards everything, except that the body of a GET whose
 * path contains `stallOn` stops after `afterBytes` bytes and the connection stays open: a download that hangs,
 * deterministically. The real ali-oss goes through it unchanged (V1 signatures do not cover the host).
 */
export interface StallingProxy {
  url: string;
  /** Resolves once a matching download has stalled. */
  stalled: Promise<void>;
  close(): Promise<void>;
}

export async function startStallingProxy(
  target: string,
  stallOn: string,
  afterBytes: number,
): Promise<StallingProxy> {
  const upstream = new URL(target);
  let markStalled: () => void = () => {};
  const stalled = new Promise<void>((resolve) => {
    markStalled = resolve;
  });
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const stall = req.method === 'GET' && (req.url ?? '').includes(stallOn);
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        if (!stall) {
          answer.pipe(res);
          return;
        }
        let sent = 0;
        answer.on('data', (chunk: Buffer) => {
          if (sent >= afterBytes) return;
          const part = chunk.subarray(0, afterBytes - sent);
          sent += part.length;
          res.write(part);
          if (sent >= afterBytes) {
            held.push(res);
            markStalled();
          }
        });
      },
    );
    forward.once('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stalled,
    close: () =>
      new Promise((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
