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
  /** Let stalled downloads go on to the end. */
  release(): void;
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
  const waiting: Array<() => void> = [];
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
        const rest: Buffer[] = [];
        let ended = false;
        const onData = (chunk: Buffer) => {
          const part = chunk.subarray(0, Math.max(0, afterBytes - sent));
          sent += part.length;
          if (part.length > 0) res.write(part);
          if (part.length < chunk.length) rest.push(chunk.subarray(part.length));
          if (sent >= afterBytes && !held.includes(res)) {
            held.push(res);
            markStalled();
          }
        };
        answer.on('data', onData);
        answer.on('end', () => {
          ended = true;
        });
        waiting.push(() => {
          answer.off('data', onData);
          for (const chunk of rest.splice(0)) res.write(chunk);
          if (ended) res.end();
          else answer.pipe(res);
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
    release: () => {
      for (const go of waiting.splice(0)) go();
    },
    close: () =>
      new Promise((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
