import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { MnsApiError } from './api-error.js';

export interface MnsCredential {
  accessKeyId: string;
  accessKeySecret: string;
  /** STS: requests with this key must carry the same `security-token` header (it is not signed). */
  securityToken?: string;
}

export type HeaderBag = Record<string, string | string[] | number | undefined>;

/** The parts of a request the MNS signature covers. */
export interface SignableRequest {
  method: string;
  /** path plus query string, exactly as sent (CanonicalizedResource) */
  resource: string;
  /** lower-case header names */
  headers: HeaderBag;
}

/** The service rejects requests whose date is more than 15 minutes off (MNS common parameters doc). */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** MNS's Content-MD5 is base64 of the *hex* digest, not of the raw digest (@alicloud/mns lib/client.js buildHeaders). */
export function contentMd5(body: string | Buffer): string {
  const hex = createHash('md5').update(body).digest('hex');
  return Buffer.from(hex, 'utf8').toString('base64');
}

/** Upper-case hex MD5, the form of MessageBodyMD5 and MessageMD5. */
export function bodyMd5(body: string): string {
  return createHash('md5').update(body, 'utf8').digest('hex').toUpperCase();
}

function header(headers: HeaderBag, name: string): string {
  const value = headers[name];
  if (value === undefined) return '';
  return Array.isArray(value) ? value.join(',') : String(value);
}

/**
 * METHOD\nCONTENT-MD5\nCONTENT-TYPE\nDATE\n + sorted `x-mns-*:value\n` + resource
 * (https://alibabacloud.com/help/en/mns/sign-requests). DATE is the Date header, or x-mns-date when a
 * client sends only that one.
 */
export function stringToSign(request: SignableRequest): string {
  const { headers } = request;
  const mnsHeaders = Object.keys(headers)
    .filter((name) => name.startsWith('x-mns-') && headers[name] !== undefined)
    .sort()
    .map((name) => `${name}:${header(headers, name)}\n`)
    .join('');
  const date = header(headers, 'date') || header(headers, 'x-mns-date');
  return [
    request.method.toUpperCase(),
    header(headers, 'content-md5'),
    header(headers, 'content-type'),
    date,
    `${mnsHeaders}${request.resource}`,
  ].join('\n');
}

/** base64(HMAC-SHA1(secret, stringToSign)), the signature after `MNS <ak>:`. */
export function hmacSignature(secret: string, request: SignableRequest): string {
  return createHmac('sha1', secret).update(stringToSign(request), 'utf8').digest('base64');
}

/** Checks Authorization, date skew, STS token and Content-MD5; returns the caller's credential. */
export function verifyRequest(
  request: SignableRequest & { body: Buffer },
  credentials: readonly MnsCredential[],
  now: number,
): MnsCredential {
  const authorization = header(request.headers, 'authorization');
  if (authorization === '') {
    throw new MnsApiError(400, 'MissingAuthorizationHeader', 'Authorization header is required.');
  }
  const match = /^MNS ([^:\s]+):(\S+)$/.exec(authorization);
  if (match === null) {
    throw new MnsApiError(400, 'InvalidAuthorizationHeader', 'The Authorization header format is invalid.');
  }
  checkDate(request.headers, now);
  const [, accessKeyId, signature] = match as unknown as [string, string, string];
  const credential = credentials.find((c) => c.accessKeyId === accessKeyId);
  if (credential === undefined) {
    throw new MnsApiError(403, 'InvalidAccessKeyId', 'The AccessKey Id you provided is not exist.');
  }
  if (!sameText(signature, hmacSignature(credential.accessKeySecret, request))) {
    throw new MnsApiError(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    );
  }
  // UNVERIFIED: the docs name no code for a bad STS token; AccessDenied is the closest documented one.
  if (credential.securityToken !== undefined) {
    if (header(request.headers, 'security-token') !== credential.securityToken) {
      throw new MnsApiError(403, 'AccessDenied', 'The security token you provided is invalid or missing.');
    }
  }
  const md5 = header(request.headers, 'content-md5');
  if (md5 !== '' && md5 !== contentMd5(request.body)) {
    throw new MnsApiError(400, 'InvalidDegist', 'The Content-MD5 you specified is invalid.');
  }
  return credential;
}

function checkDate(headers: HeaderBag, now: number): void {
  const text = header(headers, 'x-mns-date') || header(headers, 'date');
  if (text === '') throw new MnsApiError(400, 'MissingDateHeader', 'Date header is required.');
  const time = Date.parse(text);
  if (Number.isNaN(time)) {
    throw new MnsApiError(400, 'InvalidDateHeader', 'The Date header format is invalid.');
  }
  // The error-code table (doc-detail/27501) gives TimeExpired with HTTP 408 for a stale request.
  if (Math.abs(now - time) > MAX_CLOCK_SKEW_MS) {
    throw new MnsApiError(408, 'TimeExpired', 'The http request you sent is expired.');
  }
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
