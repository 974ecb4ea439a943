import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../core/logger.js';
import { acs3Signature, parseAcs3Authorization, sameHex, sha256Hex } from './acs3-signature.js';
import type { RuntimeCredentials } from './context.js';
import type { InvokeResult } from './invocation.js';

/**
 * The FC 3.0 API's InvokeFunction (https://help.aliyun.com/zh/functioncompute/fc-3-0/developer-reference/api-fc-2023-03-30-invokefunction),
 * so the real @alicloud/fc20230330 client can be pointed here: `POST /2023-03-30/functions/{name}/invocations`,
 * ACS3-HMAC-SHA256 checked, `x-fc-invocation-type: Sync | Async`, answers with `x-fc-request-id`. Sync: 200 with
 * the function's response (a failed function: 200 + `x-fc-error-type` and the error JSON); Async: 202, empty.
 * Errors are FC 3.0's error JSON `{Code, Message, RequestId}` with its status codes (api-fc-2023-03-30-struct-error).
 */
export interface InvokeTarget {
  has(fn: string): boolean;
  invoke(fn: string, payload: Buffer, requestId: string): Promise<InvokeResult>;
  enqueue(fn: string, payload: Buffer, requestId: string): void;
}

export interface InvokeApiOptions {
  host: string;
  accountId: string;
  credentials: readonly RuntimeCredentials[];
  now: () => number;
  logger: Logger;
}

export interface InvokeApi {
  url: string;
  /** requests before attach() get 503 (the runtime starts after the endpoint is known) */
  attach(target: InvokeTarget): void;
  close(): Promise<void>;
}

/** FC 3.0: an async payload is at most 128 KB, a synchronous one 32 MB. */
const ASYNC_LIMIT = 128 * 1024;
const SYNC_LIMIT = 32 * 1024 * 1024;
/** The API refuses requests whose x-acs-date is more than 15 minutes off. */
const MAX_SKEW_MS = 15 * 60 * 1000;
const PATH = /^\/2023-03-30\/functions\/([^/?]+)\/invocations$/;

class FcApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startInvokeApi(options: InvokeApiOptions): Promise<InvokeApi> {
  let target: InvokeTarget | undefined;
  const server = createServer((req, res) => {
    void serve(req, res, options, () => target).catch((error: unknown) => {
      options.logger.error('fc api failed', { error });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    attach: (t) => {
      target = t;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  options: InvokeApiOptions,
  target: () => InvokeTarget | undefined,
): Promise<void> {
  const requestId = `1-${randomUUID()}`;
  try {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://local');
    const match = PATH.exec(url.pathname);
    if (req.method !== 'POST' || match === null) {
      throw new FcApiError(400, 'PathNotSupported', `'${req.method} ${url.pathname}' is not supported`);
    }
    verify(req, url, body, options);
    const fn = decodeURIComponent(match[1] as string);
    const qualifier = url.searchParams.get('qualifier');
    if (qualifier !== null && qualifier !== 'LATEST') {
      throw new FcApiError(404, 'AliasNotFound', `alias '${qualifier}' of function '${fn}' does not exist`);
    }
    const runtime = target();
    if (runtime === undefined) throw new FcApiError(503, 'ServiceUnavailable', 'the runtime is starting');
    if (!runtime.has(fn)) throw new FcApiError(404, 'FunctionNotFound', `function '${fn}' does not exist.`);
    const type = String(req.headers['x-fc-invocation-type'] ?? 'Sync');
    if (type !== 'Sync' && type !== 'Async') {
      throw new FcApiError(400, 'InvalidArgument', `x-fc-invocation-type must be Sync or Async, not ${type}`);
    }
    const limit = type === 'Async' ? ASYNC_LIMIT : SYNC_LIMIT;
    if (body.length > limit) {
      throw new FcApiError(
        400,
        'EntityTooLarge',
        `payload size exceeds maximum allowed size (${limit} bytes)`,
      );
    }
    options.logger.info('fc api invoke', { fn, type, requestId, bytes: body.length });
    if (type === 'Async') {
      runtime.enqueue(fn, body, requestId);
      res.writeHead(202, { 'x-fc-request-id': requestId, 'content-length': 0 }).end();
      return;
    }
    const result = await runtime.invoke(fn, body, requestId);
    const headers: Record<string, string | number> = {
      'x-fc-request-id': requestId,
      'content-type': 'application/octet-stream',
      'content-length': result.body.length,
    };
    if (!result.ok) headers['x-fc-error-type'] = result.error?.type ?? 'UnhandledInvocationError';
    res.writeHead(200, headers).end(result.body);
  } catch (error) {
    const e = error instanceof FcApiError ? error : new FcApiError(500, 'InternalServerError', String(error));
    const json = JSON.stringify({ Code: e.code, Message: e.message, RequestId: requestId });
    res.writeHead(e.status, { 'content-type': 'application/json', 'x-fc-request-id': requestId }).end(json);
  }
}

/** The ACS3 signature, the payload hash, the clock and (for STS keys) the security token. */
function verify(req: IncomingMessage, url: URL, body: Buffer, options: InvokeApiOptions): void {
  const auth = parseAcs3Authorization(req.headers.authorization);
  if (auth === undefined) {
    throw new FcApiError(
      400,
      'MissingRequiredHeader',
      'required HTTP header Authorization was not specified',
    );
  }
  const credential = options.credentials.find((c) => c.accessKeyId === auth.accessKeyId);
  if (credential === undefined) {
    throw new FcApiError(403, 'InvalidAccessKeyID', `invalid access key ID '${auth.accessKeyId}'`);
  }
  const date = Date.parse(String(req.headers['x-acs-date'] ?? ''));
  if (Number.isNaN(date) || Math.abs(options.now() - date) > MAX_SKEW_MS) {
    throw new FcApiError(403, 'InvalidArgument', 'x-acs-date is missing or more than 15 minutes off');
  }
  for (const required of ['host', 'x-acs-date', 'x-acs-content-sha256']) {
    if (!auth.signedHeaders.includes(required)) {
      throw new FcApiError(403, 'SignatureNotMatch', `${required} must be signed`);
    }
  }
  if (req.headers['x-acs-content-sha256'] !== sha256Hex(body)) {
    throw new FcApiError(400, 'InvalidArgument', 'x-acs-content-sha256 does not match the body');
  }
  const query = Object.fromEntries(url.searchParams.entries());
  const path = (req.url ?? '/').split('?')[0] as string;
  const expected = acs3Signature(
    { method: req.method ?? 'POST', path, query, headers: req.headers, body },
    auth.signedHeaders,
    credential.accessKeySecret,
  );
  if (!sameHex(expected, auth.signature)) {
    throw new FcApiError(
      403,
      'SignatureNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your access key and signing method',
    );
  }
  if (
    credential.securityToken !== undefined &&
    req.headers['x-acs-security-token'] !== credential.securityToken
  ) {
    throw new FcApiError(403, 'InvalidSecurityToken', 'the security token is missing or invalid');
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
