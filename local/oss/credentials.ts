import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Target } from './address.js';
import { OssError, ossError } from './oss-error.js';

/** One access key the server accepts; with `securityToken` it behaves like an STS credential. */
export interface OssCredential {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/** What a signature check needs to know about a request. */
export interface SignedRequest {
  method: string;
  headers: IncomingHttpHeaders;
  query: Record<string, string>;
  target: Target;
  /** Server clock, ms since the epoch. */
  now: number;
}

/** OSS rejects a request whose date is more than 15 minutes off (RequestTimeTooSkewed). */
const MAX_SKEW_MS = 15 * 60 * 1000;

export function findCredential(credentials: readonly OssCredential[], accessKeyId: string): OssCredential {
  const found = credentials.find((c) => c.accessKeyId === accessKeyId);
  if (!found) throw ossError('InvalidAccessKeyId', { OSSAccessKeyId: accessKeyId });
  return found;
}

/** An STS credential is only valid together with its token; a plain key must not carry one. */
export function checkSecurityToken(credential: OssCredential, provided: string | undefined): void {
  if (credential.securityToken === undefined) {
    if (provided !== undefined && provided !== '') throw ossError('InvalidSecurityToken');
    return;
  }
  if (provided !== credential.securityToken) throw ossError('InvalidSecurityToken');
}

export function checkClockSkew(requestTime: number, now: number, raw: string): void {
  if (Number.isNaN(requestTime)) throw ossError('AccessDenied', {}, `Invalid date: ${raw}`);
  if (Math.abs(now - requestTime) > MAX_SKEW_MS) {
    throw ossError('RequestTimeTooSkewed', {
      RequestTime: raw,
      ServerTime: new Date(now).toISOString(),
      MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
    });
  }
}

/** Constant-time comparison of two signatures as text. */
export function signaturesEqual(expected: string, provided: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(provided);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A header as one string (Node gives arrays only for a few headers; OSS would join them). */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** The mismatch error, carrying what real OSS returns so a client author can diff the string to sign. */
export function signatureMismatch(
  stringToSign: string,
  accessKeyId: string,
  provided: string,
  ec = '0002-00000040',
): OssError {
  return new OssError('SignatureDoesNotMatch', {
    ec,
    details: {
      StringToSign: stringToSign,
      SignatureProvided: provided,
      StringToSignBytes: [...Buffer.from(stringToSign)].map((b) => b.toString(16).padStart(2, '0')).join(' '),
      OSSAccessKeyId: accessKeyId,
    },
  });
}
