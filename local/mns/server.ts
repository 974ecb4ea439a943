import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MnsApiError } from './api-error.js';
import { MessageIdSource, newRequestId } from './ids.js';
import { readBody, routeRequest } from './incoming.js';
import type { PublishedMessage } from './model.js';
import { PublishWaiters } from './publish-waiters.js';
import { DEFAULT_PUSH_RETRY, Pusher, type PushRetry } from './push.js';
import { PushSigner, SIGNING_CERT_PATH } from './push-signer.js';
import { QueueBroker } from './queue.js';
import { handleQueues } from './queue-routes.js';
import type { RouteContext, RouteReply, RouteRequest } from './route.js';
import { type MnsCredential, verifyRequest } from './signature.js';
import { MnsStore } from './store.js';
import { handleTopics } from './topic-routes.js';
import { errorDocument } from './xml.js';

export type { PublishedMessage } from './model.js';
export type { PushRetry } from './push.js';
export type { MnsCredential } from './signature.js';

export interface MnsServerOptions {
  host?: string;
  /** 0 (the default) picks a free port */
  port?: number;
  accountId: string;
  region: string;
  credentials: MnsCredential[];
  /** persist state as `<root>/mns-state.json` when given */
  root?: string;
  /** BACKOFF_RETRY emulation (default 4 attempts, 10 s apart); tests use small delays */
  pushRetry?: PushRetry;
}

export interface MnsServer {
  url: string;
  port: number;
  accountId: string;
  region: string;
  /** every message published to a topic, in order (for tests and the demo to inspect) */
  published(topic: string): PublishedMessage[];
  /** messages currently in a queue (not deleted) */
  queued(queue: string): Array<{ messageId: string; body: string; enqueuedAt: string }>;
  /** resolves when the next message is published to `topic` (or rejects after timeoutMs) */
  waitForPublish(topic: string, timeoutMs?: number): Promise<PublishedMessage>;
  close(): Promise<void>;
}

const API_VERSION = '2015-06-06';

/** Start an MNS-compatible endpoint (API 2015-06-06) that the unmodified `@alicloud/mns` client can use. */
export async function startMnsServer(options: MnsServerOptions): Promise<MnsServer> {
  const store = MnsStore.open(options.root);
  const ids = new MessageIdSource();
  const broker = new QueueBroker(store, ids);
  const signer = await PushSigner.create();
  const waiters = new PublishWaiters();
  let ctx: RouteContext | undefined;

  const server = createServer((req, res) => {
    void serve(req, res, () => ctx, signer, options.credentials);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}`;
  const pusher = new Pusher({
    store,
    broker,
    signer,
    accountId: options.accountId,
    signingCertUrl: `${url}${SIGNING_CERT_PATH}`,
    retry: options.pushRetry ?? DEFAULT_PUSH_RETRY,
  });
  ctx = {
    store,
    broker,
    pusher,
    ids,
    accountId: options.accountId,
    region: options.region,
    url,
    now: Date.now,
    published: (message) => waiters.notify(message),
  };

  return {
    url,
    port,
    accountId: options.accountId,
    region: options.region,
    published: (topic) => (store.state.published[topic] ?? []).map((m) => structuredClone(m)),
    queued: (queue) =>
      (store.state.queues[queue]?.messages ?? []).map((m) => ({
        messageId: m.messageId,
        body: m.body,
        enqueuedAt: new Date(m.enqueueTime).toISOString(),
      })),
    waitForPublish: (topic, timeoutMs = 5000) => waiters.wait(topic, timeoutMs),
    close: async () => {
      broker.close();
      pusher.close();
      waiters.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  context: () => RouteContext | undefined,
  signer: PushSigner,
  credentials: readonly MnsCredential[],
): Promise<void> {
  const requestId = newRequestId();
  const ctx = context();
  try {
    const body = await readBody(req);
    const resource = req.url ?? '/';
    const method = req.method ?? 'GET';
    if (method === 'GET' && resource === SIGNING_CERT_PATH) {
      res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(signer.publicKeyPem);
      return;
    }
    if (ctx === undefined) throw new MnsApiError(503, 'ServiceUnavailable', 'The server is starting.');
    verifyRequest({ method, resource, headers: req.headers, body }, credentials, ctx.now());
    const request = routeRequest(method, resource, req, body);
    send(res, requestId, await route(ctx, request));
  } catch (error) {
    const apiError =
      error instanceof MnsApiError
        ? error
        : new MnsApiError(500, 'InternalError', `Interal error: ${String(error)}`, { cause: error });
    const xml = errorDocument(apiError, requestId, ctx?.url ?? '');
    send(res, requestId, { status: apiError.status, xml });
  }
}

function route(ctx: RouteContext, request: RouteRequest): RouteReply | Promise<RouteReply> {
  if (request.segments[0] === 'topics') return handleTopics(ctx, request);
  if (request.segments[0] === 'queues') return handleQueues(ctx, request);
  throw MnsApiError.invalidUrl();
}

function send(res: ServerResponse, requestId: string, reply: RouteReply): void {
  // A long-polling client may have hung up before its answer was ready.
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string | number> = {
    'x-mns-request-id': requestId,
    'x-mns-version': API_VERSION,
    date: new Date().toUTCString(),
    ...reply.headers,
  };
  if (reply.xml !== undefined) {
    headers['content-type'] = 'text/xml;charset=utf-8';
    headers['content-length'] = Buffer.byteLength(reply.xml);
  } else if (reply.status !== 204) {
    headers['content-length'] = 0;
  }
  res.writeHead(reply.status, headers).end(reply.xml);
}
