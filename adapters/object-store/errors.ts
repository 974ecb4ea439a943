import { TerminalError, TransientError } from '../../core/errors.js';

/** What ali-oss attaches to a failed request (ali-oss 6.x lib/client.js requestError). */
interface AliOssError extends Error {
  status?: number;
  code?: string;
  requestId?: string;
  ecCode?: string;
  /** Only ali-oss's browser build copies it from a RequestTimeTooSkewed answer. */
  serverTime?: string;
}

const AUTH_CODES = new Set([
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'AccessDenied',
  'InvalidSecurityToken',
  'SecurityTokenExpired',
]);
/** Codes OSS answers with when it is busy or lost the connection half way: worth another attempt. */
const SERVER_CODES = new Set(['RequestTimeout', 'InternalError', 'ServiceUnavailable']);
/**
 * A request that never got an answer: ali-oss's names for a timeout or a failed request (urllib sets
 * status -1/-2 on those), and the Node socket codes a stream reports when the connection drops.
 */
const NETWORK_CODES = new Set([
  'ConnectionTimeoutError',
  'ResponseTimeoutError',
  'RequestError',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/**
 * Translate an ali-oss error at the boundary: network failures (status -1/-2, the connection and timeout
 * codes), 5xx and 429 are transient; bad credentials, a skewed clock, a missing bucket and refused
 * overwrites are terminal with a code a person can act on, and so is any other 4xx: the store refused the
 * request (OSS_REFUSED, naming its code, message and request id) — an OSS-compatible store that lacks a
 * feature answers that way, and retrying cannot change its mind. Anything else — a TypeError, an ENOENT —
 * is returned unchanged: a bug is never retried.
 * https://www.alibabacloud.com/help/doc-detail/32005.htm
 * @param host where the request went (the endpoint), for messages about an unreachable OSS.
 */
export function translateOssError(error: unknown, what: string, host?: string): unknown {
  if (!(error instanceof Error)) return error;
  const e = error as AliOssError;
  const code = e.code ?? e.name;
  const details = { status: e.status, code, requestId: e.requestId };
  const say = (text: string) => `${what}: ${text}`;
  if (AUTH_CODES.has(code)) {
    return new TerminalError(
      'OSS_AUTH',
      say(`OSS refused the credentials (${code}): check the access key id, secret and STS token`),
      { cause: e, details },
    );
  }
  if (code === 'RequestTimeTooSkewed') return clockSkewError(what, e, details, serverTimeOf(e));
  if (code === 'NoSuchBucket')
    return new TerminalError('OSS_NO_BUCKET', say('the bucket does not exist'), { cause: e, details });
  if (code === 'FileAlreadyExists')
    return new TerminalError('OSS_EXISTS', say('the object already exists'), { cause: e, details });
  if (code === 'NoSuchKey')
    return new TerminalError('OSS_NOT_FOUND', say('the object does not exist'), { cause: e, details });
  if (code === 'NoSuchUpload')
    return new TerminalError('OSS_NO_UPLOAD', say('the multipart upload no longer exists'), {
      cause: e,
      details,
    });
  if (isNetworkFailure(e, code)) return unreachable(e, code, say, details, host);
  const status = e.status ?? 0;
  if (status >= 500 || status === 429 || SERVER_CODES.has(code)) {
    const text = say(`OSS is unavailable (${status} ${code}): ${e.message}`);
    return new TransientError('OSS_UNAVAILABLE', text, { cause: e, details });
  }
  if (status >= 400 && status < 500) return refused(e, code, status, say, details);
  return error;
}

/** An unexpected 4xx: the store's own answer, with what identifies it in the store's logs. */
function refused(
  e: AliOssError,
  code: string,
  status: number,
  say: (text: string) => string,
  details: Record<string, unknown>,
): TerminalError {
  const message = (e.message.split('\n')[0] ?? '').slice(0, 300);
  const id = e.requestId === undefined ? '' : ` (request id ${e.requestId})`;
  const text = `the store refused the request: ${status} ${code}: ${message}${id}; check the store's support for this operation and the config (endpoint, pathStyle, bucket)`;
  return new TerminalError('OSS_REFUSED', say(text), { cause: e, details });
}

function unreachable(
  e: AliOssError,
  code: string,
  say: (text: string) => string,
  details: Record<string, unknown>,
  host: string | undefined,
): TransientError {
  const cause = networkCause(e, code);
  e.message = cause.text; // the cause is logged too: without urllib's socket-agent dump
  const where = cause.host ?? host;
  const text = `OSS${where === undefined ? '' : ` at ${where}`} did not answer (${cause.code}: ${cause.text}); check the endpoint/region in the config and the network path to OSS`;
  return new TransientError('OSS_UNAVAILABLE', say(text), {
    cause: e,
    details: { ...details, host: where, systemCode: cause.code, operation: say('').slice(0, -2) },
  });
}

/** Run `fn`, translating what it throws. */
export async function translatingOss<T>(what: string, fn: () => Promise<T>, host?: string): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw translateOssError(error, what, host);
  }
}

function isNetworkFailure(e: AliOssError, code: string): boolean {
  return (
    e.status === -1 ||
    e.status === -2 ||
    NETWORK_CODES.has(code) ||
    NETWORK_CODES.has(e.name) ||
    /socket hang up/i.test(e.message)
  );
}

/**
 * urllib appends the request line and its socket agent's state as JSON to a network error's message
 * ("connect ECONNREFUSED 1.2.3.4:80, PUT http://… -1 (connected: false, … agent status: {…})\nheaders: {}").
 * Keep what a person can act on: the system code, the first clause, the host.
 */
function networkCause(e: AliOssError, code: string): { code: string; text: string; host?: string } {
  const request = /, [A-Z]+ (https?:\/\/\S+) -?\d+ \(/.exec(e.message);
  // ali-oss's multipart wraps the first failed part's error: "Failed to upload some parts with error: <Name>: …".
  const text = ((e.message.split(/, [A-Z]+ https?:\/\//)[0] ?? e.message).split('\n')[0] ?? '').replace(
    /^Failed to upload some parts with error: \w+: /,
    '',
  );
  const system = /\b(E[A-Z]{3,}|ERR_[A-Z_]+)\b/.exec(text)?.[1];
  const out: { code: string; text: string; host?: string } = { code: system ?? code, text };
  if (request?.[1] !== undefined) out.host = new URL(request[1]).host;
  return out;
}

/**
 * RequestTimeTooSkewed: OSS refuses requests dated more than 15 minutes off its own clock. Retrying cannot
 * help; the operator must fix the clock. `serverTime` (ISO) is OSS's time, when known.
 */
export function clockSkewError(
  what: string,
  cause: unknown,
  details: Record<string, unknown>,
  serverTime?: string,
): TerminalError {
  const at = serverTime === undefined ? '' : ` (OSS's time is ${serverTime})`;
  return new TerminalError(
    'OSS_CLOCK_SKEW',
    `${what}: OSS refused the request because this machine's clock is more than 15 minutes off${at}: fix the clock and keep it synchronised (enable NTP: chrony or systemd-timesyncd); \`qlib-sync doctor\` measures the skew`,
    { cause, details: { ...details, operation: what, serverTime } },
  );
}

/** The ServerTime of the answer, where the client kept it (only ali-oss's browser build does). */
function serverTimeOf(e: AliOssError): string | undefined {
  const server = e.serverTime === undefined ? undefined : new Date(e.serverTime);
  return server && !Number.isNaN(server.getTime()) ? server.toISOString() : undefined;
}
