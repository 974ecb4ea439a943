import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type Logger } from '../../core/logger.js';
import type { OssEventRecord } from '../../core/oss-event.js';
import { parseRequestLine, resolveTargets, type Target } from './address.js';
import { discardBody } from './body.js';
import { asOssError, type OssContext, sendError } from './context.js';
import type { OssCredential } from './credentials.js';
import { formBoundary } from './form-data.js';
import { closeServer, listen } from './listening.js';
import { MultipartStore } from './multipart-store.js';
import { EventHub, objectCreatedRecord } from './notify.js';
import { OssError } from './oss-error.js';
import { route } from './router.js';
import { authenticate } from './signature.js';
import type { OssStall } from './stall.js';
import { ObjectStore } from './store.js';

export type { OssCredential } from './credentials.js';
export type { OssStall } from './stall.js';

/** What the intercept hook sees of a request. */
export interface OssInterceptedRequest {
  method: string;
  bucket: string;
  key: string;
  query: Record<string, string>;
}

/**
 * What a test may inject instead of the real answer: an OSS error, a dropped connection, or (GetObject) a body
 * that stops after some bytes until the test releases it.
 */
export type OssFault =
  | { status: number; code: string; message: string }
  | 'reset'
  | { stall: OssStall }
  | undefined;

export interface OssServerOptions {
  root: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Standard region id without the `oss-` prefix, e.g. 'cn-hangzhou'. */
  region: string;
  accountId: string;
  credentials: OssCredential[];
  /** Created at start when absent. */
  buckets?: string[];
  /** Test hook, called for every authenticated request before it is handled (fault injection). */
  intercept?: (req: OssInterceptedRequest) => OssFault;
  /** Where internal errors and failing event listeners are reported; default JSON lines on stderr. */
  logger?: Logger;
}

export interface OssServer {
  url: string;
  port: number;
  region: string;
  accountId: string;
  /** Subscribe to ObjectCreated records (FC's OSS trigger shape); returns the unsubscribe function. */
  onEvent(listener: (record: OssEventRecord) => void): () => void;
  close(): Promise<void>;
}

interface Shared {
  options: OssServerOptions;
  store: ObjectStore;
  uploads: MultipartStore;
  hub: EventHub;
  logger: Logger;
}

/** Start an OSS-compatible server over a directory; state survives restarts with the same root. */
export async function startOssServer(options: OssServerOptions): Promise<OssServer> {
  const store = new ObjectStore(options.root);
  await store.open(options.buckets ?? []);
  const logger = options.logger ?? defaultLogger();
  const uploads = new MultipartStore(store);
  const shared: Shared = { options, store, uploads, hub: new EventHub(logger), logger };
  const server = createServer((req, res) => {
    void handle(shared, req, res);
  });
  const host = options.host ?? '127.0.0.1';
  await listen(server, host, options.port ?? 0);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    port,
    region: options.region,
    accountId: options.accountId,
    onEvent: (listener) => shared.hub.on(listener),
    close: () => closeServer(server),
  };
}

async function handle(shared: Shared, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = randomBytes(12).toString('hex').toUpperCase();
  res.setHeader('x-oss-request-id', requestId);
  res.setHeader('Date', new Date().toUTCString());
  res.setHeader('Server', 'AliyunOSS');
  const ctx = newContext(shared, req, res, requestId);
  try {
    const { rawPath, query } = parseRequestLine(req.url ?? '/');
    ctx.query = query;
    const targets = resolveTargets(req.headers.host, rawPath);
    // A form upload (PostObject) carries its signature in its fields; OSS ignores header and URL signatures.
    ctx.target = formTarget(req, targets) ?? signedTarget(shared, req, targets, query);
    const fault = shared.options.intercept?.({ method: req.method ?? 'GET', ...ctx.target, query });
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault !== undefined && 'stall' in fault) ctx.stall = fault.stall;
    else if (fault !== undefined)
      throw new OssError(fault.code, { status: fault.status, message: fault.message });
    await route(ctx);
  } catch (error) {
    await answerError(shared, ctx, error);
  }
}

function newContext(
  shared: Shared,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
): OssContext {
  const { options, store, uploads, hub } = shared;
  const pending: OssEventRecord[] = [];
  let flushed = false;
  const flush = () => {
    if (flushed) return;
    flushed = true;
    for (const record of pending) hub.emit(record);
  };
  res.once('finish', flush);
  res.once('close', flush);
  const sourceIp = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  return {
    req,
    res,
    requestId,
    target: { bucket: '', key: '' },
    query: {},
    store,
    uploads,
    region: options.region,
    accountId: options.accountId,
    credentials: options.credentials,
    created(eventName, meta, previous) {
      const { region, accountId } = options;
      const base = { region, accountId, bucket: this.target.bucket, requestId, sourceIp, time: new Date() };
      const record = objectCreatedRecord({ ...base, eventName, meta, previousSize: previous?.size ?? 0 });
      // Committed after the client hung up (the response has closed already): OSS notifies all the same.
      if (flushed) hub.emit(record);
      else pending.push(record);
    },
  };
}

/** The bucket a PostObject form is posted to (`POST /`), or undefined when the request is not one. */
function formTarget(req: IncomingMessage, targets: Target[]): Target | undefined {
  if (req.method !== 'POST' || formBoundary(req.headers['content-type']) === undefined) return undefined;
  return targets.find((target) => target.bucket !== '' && target.key === '');
}

/** The first reading of the address whose signature verifies; otherwise the first reading's error. */
function signedTarget(
  shared: Shared,
  req: IncomingMessage,
  targets: Target[],
  query: Record<string, string>,
): Target {
  let firstError: unknown;
  for (const target of targets) {
    try {
      const signed = { method: req.method ?? 'GET', headers: req.headers, query, target, now: Date.now() };
      authenticate(signed, shared.options.credentials, shared.options.region);
      return target;
    } catch (error) {
      firstError ??= error;
    }
  }
  throw firstError;
}

async function answerError(shared: Shared, ctx: OssContext, error: unknown): Promise<void> {
  const { req, res } = ctx;
  if (req.socket.destroyed || res.headersSent) {
    res.destroy();
    return;
  }
  let ossError = asOssError(error);
  if (!ossError) {
    shared.logger.error('local oss internal error', {
      requestId: ctx.requestId,
      error: error instanceof Error ? error : String(error),
    });
    ossError = new OssError('InternalError');
  }
  await discardBody(req);
  if (!req.socket.destroyed) sendError(ctx, ossError);
}

function defaultLogger(): Logger {
  return createLogger({
    write: (line) => process.stderr.write(line),
    now: () => new Date(),
    context: { component: 'local-oss' },
  });
}
