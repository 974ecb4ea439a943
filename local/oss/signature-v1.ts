import { createHmac } from 'node:crypto';
import type { Target } from './address.js';
import {
  checkClockSkew,
  checkSecurityToken,
  findCredential,
  header,
  type OssCredential,
  type SignedRequest,
  signatureMismatch,
  signaturesEqual,
} from './credentials.js';
import { ossError } from './oss-error.js';

/**
 * Header signature V1 (ali-oss lib/common/signUtils.js buildCanonicalString):
 * StringToSign = VERB \n Content-MD5 \n Content-Type \n Date \n CanonicalizedOSSHeaders CanonicalizedResource,
 * where Date is x-oss-date when present and the resource is `/<bucket>/<decoded key>` plus signed sub-resources.
 */

/** Query parameters that are part of the signed resource; all others (prefix, max-keys, …) are not. */
const SUB_RESOURCES = new Set([
  'acl',
  'append',
  'asyncFetch',
  'bucketInfo',
  'callback',
  'callback-var',
  'cname',
  'comp',
  'continuation-token',
  'cors',
  'delete',
  'encryption',
  'endTime',
  'img',
  'inventory',
  'inventoryId',
  'lifecycle',
  'live',
  'location',
  'logging',
  'objectMeta',
  'partNumber',
  'policy',
  'position',
  'qos',
  'qosInfo',
  'referer',
  'replication',
  'replicationLocation',
  'replicationProgress',
  'requestPayment',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
  'restore',
  'security-token',
  'sequential',
  'startTime',
  'stat',
  'status',
  'style',
  'styleName',
  'symlink',
  'tagging',
  'transferAcceleration',
  'udf',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'vod',
  'website',
  'worm',
  'wormExtend',
  'wormId',
  'x-oss-process',
  'x-oss-traffic-limit',
]);

/** `Authorization: OSS <AccessKeyId>:<Signature>` */
export function verifyV1Header(req: SignedRequest, credentials: readonly OssCredential[]): OssCredential {
  const auth = header(req.headers, 'authorization') ?? '';
  const colon = auth.lastIndexOf(':');
  if (colon < 4) throw ossError('AccessDenied', {}, 'Authorization header is invalid.');
  const accessKeyId = auth.slice(4, colon).trim();
  const provided = auth.slice(colon + 1).trim();
  const credential = findCredential(credentials, accessKeyId);
  const date = header(req.headers, 'x-oss-date') ?? header(req.headers, 'date');
  if (date === undefined) throw ossError('AccessDenied', {}, 'Missing Date or x-oss-date header.');
  checkClockSkew(Date.parse(date), req.now, date);
  checkSecurityToken(credential, header(req.headers, 'x-oss-security-token'));
  const stringToSign = stringToSignV1(req, date, req.query);
  if (!signaturesEqual(signV1(credential.accessKeySecret, stringToSign), provided)) {
    throw signatureMismatch(stringToSign, accessKeyId, provided);
  }
  return credential;
}

/** Signed URL: `?OSSAccessKeyId=…&Expires=<unix s>&Signature=…` (ali-oss signatureUrl). */
export function verifyV1Url(req: SignedRequest, credentials: readonly OssCredential[]): OssCredential {
  const { OSSAccessKeyId: accessKeyId = '', Expires: expires = '', Signature: provided = '' } = req.query;
  const credential = findCredential(credentials, accessKeyId);
  const expiresAt = Number(expires);
  if (!/^\d+$/.test(expires)) throw ossError('AccessDenied', {}, 'Invalid Expires.');
  if (expiresAt * 1000 < req.now) {
    throw ossError(
      'AccessDenied',
      { Expires: expires, ServerTime: new Date(req.now).toISOString() },
      'Request has expired.',
    );
  }
  checkSecurityToken(credential, req.query['security-token']);
  const stringToSign = stringToSignV1(req, expires, req.query);
  if (!signaturesEqual(signV1(credential.accessKeySecret, stringToSign), provided)) {
    throw signatureMismatch(stringToSign, accessKeyId, provided);
  }
  return credential;
}

function stringToSignV1(req: SignedRequest, date: string, query: Record<string, string>): string {
  const ossHeaders = Object.keys(req.headers)
    .filter((name) => name.startsWith('x-oss-'))
    .sort()
    .map((name) => `${name}:${(header(req.headers, name) ?? '').trim()}`);
  return [
    req.method.toUpperCase(),
    header(req.headers, 'content-md5') ?? '',
    header(req.headers, 'content-type') ?? '',
    date,
    ...ossHeaders,
    canonicalResourceV1(req.target, query),
  ].join('\n');
}

/** `/<bucket>/<key>?<sorted sub-resources>`; an empty value is written as the bare name (`?uploads`). */
export function canonicalResourceV1(target: Target, query: Record<string, string>): string {
  const path = target.bucket === '' ? '/' : `/${target.bucket}/${target.key}`;
  const subs = Object.keys(query)
    .filter((name) => SUB_RESOURCES.has(name))
    .sort()
    .map((name) => (query[name] === '' ? name : `${name}=${query[name]}`));
  return subs.length === 0 ? path : `${path}?${subs.join('&')}`;
}

/** base64(HMAC-SHA1(secret, text)): the header, URL and PostObject-policy V1 signature. */
export function signV1(secret: string, stringToSign: string): string {
  return createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64');
}
