import type { IncomingMessage } from 'node:http';
import type { InvokeResult } from './invocation.js';

/**
 * FC 3.0's HTTP trigger event and response mapping (devsapp/fc3 event-template
 * http.json; https://help.aliyun.com/zh/functioncompute/fc-3-0/user-guide/http-trigger-invoking-function).
 */
export interface HttpEventContext {
  accountId: string;
  region: string;
  requestId: string;
  triggerId: string;
  now: Date;
}

export function httpEvent(req: IncomingMessage, body: Buffer, ctx: HttpEventContext): Buffer {
  const url = new URL(req.url ?? '/', 'http://local');
  const rawPath = url.pathname;
  const text = isText(req.headers['content-type'], body);
  const event = {
    version: 'v1',
    rawPath,
    headers: joinedHeaders(req.rawHeaders),
    queryParameters: joinedQuery(url.searchParams),
    body: text ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: !text,
    requestContext: {
      accountId: ctx.accountId,
      domainName: `${ctx.accountId}.${ctx.region}.fc.aliyuncs.com`,
      domainPrefix: ctx.accountId,
      requestId: ctx.requestId,
      triggerId: ctx.triggerId,
      time: ctx.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      timeEpoch: String(ctx.now.getTime()),
      http: {
        method: req.method ?? 'GET',
        path: decodePath(rawPath),
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
        userAgent: req.headers['user-agent'] ?? '',
      },
    },
  };
  return Buffer.from(JSON.stringify(event));
}

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/**
 * The function's return value as the HTTP response: `{statusCode, headers, body, isBase64Encoded}` is
 * taken as is; another object is 200 JSON; a string 200 text; a Buffer 200 bytes. A function error is a
 * 502 with FC's error JSON and `x-fc-error-type` (local choice; FC's exact status is unverified).
 */
export function httpReply(result: InvokeResult): HttpReply {
  const base = { 'x-fc-request-id': result.requestId };
  if (!result.ok || result.result === undefined) {
    const type = result.error?.type ?? 'UnhandledInvocationError';
    const headers = { ...base, 'content-type': 'application/json', 'x-fc-error-type': type };
    return { status: 502, headers, body: result.body };
  }
  const r = result.result;
  if (r.kind === 'json' && isStructured(r.value)) return structured(r.value, base);
  if (r.kind === 'json')
    return { status: 200, headers: { ...base, 'content-type': 'application/json' }, body: result.body };
  if (r.kind === 'string')
    return {
      status: 200,
      headers: { ...base, 'content-type': 'text/plain; charset=utf-8' },
      body: result.body,
    };
  if (r.kind === 'bytes')
    return { status: 200, headers: { ...base, 'content-type': 'application/octet-stream' }, body: r.bytes };
  return { status: 200, headers: base, body: Buffer.alloc(0) };
}

type Structured = { statusCode: number; headers?: unknown; body?: unknown; isBase64Encoded?: unknown };

function isStructured(value: unknown): value is Structured {
  return typeof value === 'object' && value !== null && typeof (value as Structured).statusCode === 'number';
}

function structured(value: Structured, base: Record<string, string>): HttpReply {
  const headers: Record<string, string | string[]> = { ...base };
  if (typeof value.headers === 'object' && value.headers !== null) {
    for (const [k, v] of Object.entries(value.headers))
      headers[k] = Array.isArray(v) ? v.map(String) : String(v);
  }
  const raw = value.body;
  let body: Buffer;
  if (raw === undefined || raw === null) body = Buffer.alloc(0);
  else if (typeof raw === 'string')
    body = Buffer.from(raw, value.isBase64Encoded === true ? 'base64' : 'utf8');
  else body = Buffer.from(JSON.stringify(raw));
  return { status: value.statusCode, headers, body };
}

/** Header names keep the client's spelling; a repeated header becomes one comma-joined value. */
function joinedHeaders(raw: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const spelling = new Map<string, string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    const key = spelling.get(lower) ?? name;
    spelling.set(lower, key);
    out[key] = out[key] === undefined ? (raw[i + 1] as string) : `${out[key]},${raw[i + 1]}`;
  }
  return out;
}

function joinedQuery(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of new Set(params.keys())) out[key] = params.getAll(key).join(',');
  return out;
}

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|[^;]*\+(json|xml))/i;

/** Text bodies travel as text; anything binary (or undeclared and not valid UTF-8) as base64. */
function isText(contentType: string | undefined, body: Buffer): boolean {
  if (body.length === 0) return true;
  if (contentType !== undefined && contentType !== '') return TEXT_TYPES.test(contentType);
  return Buffer.from(body.toString('utf8'), 'utf8').equals(body);
}

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
