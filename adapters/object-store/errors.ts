import { TerminalError, TransientError } from '../../core/errors.js';

/** What ali-oss attaches to a failed request (ali-oss 6.x lib/client.js requestError). */
interface AliOssError extends Error {
  status?: number;
  code?: string;
  requestId?: string;
  ecCode?: string;
}

const AUTH_CODES = new Set([
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'AccessDenied',
  'InvalidSecurityToken',
  'SecurityTokenExpired',
]);
const TRANSIENT_CODES = new Set([
  'RequestTimeout',
  'InternalError',
  'ServiceUnavailable',
  'RequestTimeTooSkewed',
  'ConnectionTimeoutError',
  'ResponseTimeoutError',
]);

/**
 * Translate an ali-oss error at the boundary: network failures (status -1/-2), 5xx and timeouts are
 * transient; bad credentials, a missing bucket and refused overwrites are terminal with a code a person can act on.
 * https://www.alibabacloud.com/help/doc-detail/32005.htm
 */
export function translateOssError(error: unknown, what: string): unknown {
  if (!(error instanceof Error)) return error;
  const e = error as AliOssError;
  const status = e.status ?? 0;
  const code = e.code ?? e.name;
  const details = { status, code, requestId: e.requestId };
  const say = (text: string) => `${what}: ${text}`;
  if (AUTH_CODES.has(code)) {
    return new TerminalError(
      'OSS_AUTH',
      say(`OSS refused the credentials (${code}): check the access key id, secret and STS token`),
      { cause: e, details },
    );
  }
  if (code === 'NoSuchBucket')
    return new TerminalError('OSS_NO_BUCKET', say('the bucket does not exist'), { cause: e, details });
  if (code === 'FileAlreadyExists')
    return new TerminalError('OSS_EXISTS', say('the object already exists'), { cause: e, details });
  if (code === 'NoSuchKey')
    return new TerminalError('OSS_NOT_FOUND', say('the object does not exist'), { cause: e, details });
  if (status <= 0 || status >= 500 || status === 429 || TRANSIENT_CODES.has(code)) {
    return new TransientError(
      'OSS_UNAVAILABLE',
      say(`OSS did not answer (${code || 'network error'}): ${e.message}`),
      { cause: e, details },
    );
  }
  return error;
}

/** Run `fn`, translating what it throws. */
export async function translatingOss<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw translateOssError(error, what);
  }
}
