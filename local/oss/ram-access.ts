import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { isAllowed, type RamPolicy, type RamRequest } from '../ram/policy.js';
import { ossError } from './oss-error.js';

/** One request authorized against a key's RAM policies. */
export interface OssAuthorization {
  accessKeyId: string;
  request: RamRequest;
  allowed: boolean;
}

interface Enforcement {
  region: string;
  accountId: string;
  policies?: ReadonlyMap<string, readonly RamPolicy[]>;
  onAuthorize?: (decision: OssAuthorization) => void;
}

/** Under `policies`: every RAM action the operation needs must be allowed for the signing key (else AccessDenied). */
export function authorize(
  options: Enforcement,
  accessKeyId: string,
  req: IncomingMessage,
  target: { bucket: string; key: string },
  query: Readonly<Record<string, string>>,
): void {
  const policies = options.policies?.get(accessKeyId);
  if (policies === undefined) return;
  const at = { region: options.region, accountId: options.accountId };
  for (const request of ramRequestsOf(req.method ?? 'GET', target, query, req.headers, at)) {
    const allowed = isAllowed(policies, request);
    options.onAuthorize?.({ accessKeyId, request, allowed });
    // The answer OSS gives a RAM user whose policy lacks the action.
    if (!allowed)
      throw ossError(
        'AccessDenied',
        {},
        'You are not authorized to do this action. You should be authorized by RAM.',
      );
  }
}

/**
 * The RAM authorization each OSS operation needs (https://help.aliyun.com/zh/oss/user-guide/ram-policy-overview,
 * "OSS Action"): HeadObject needs oss:GetObject, every step of a multipart upload oss:PutObject, CopyObject
 * oss:GetObject on the source and oss:PutObject on the target, a listing oss:ListObjects on the bucket with the
 * listed prefix as the condition key oss:Prefix. Resources are `acs:oss:<region>:<account>:<bucket>[/<key>]`.
 */
export function ramRequestsOf(
  method: string,
  target: { bucket: string; key: string },
  query: Readonly<Record<string, string>>,
  headers: IncomingHttpHeaders,
  at: { region: string; accountId: string },
): RamRequest[] {
  const arn = (bucket: string, key?: string) =>
    `acs:oss:${at.region}:${at.accountId}:${bucket}${key === undefined ? '' : `/${key}`}`;
  const { bucket, key } = target;
  if (bucket === '') return [{ action: 'oss:ListBuckets', resource: 'acs:oss:*:*:*' }];
  if (key === '') return [bucketRequest(method, query, arn(bucket))];
  const object = arn(bucket, key);
  const one = (action: string): RamRequest[] => [{ action, resource: object }];
  const source = copySourceOf(headers);
  const read =
    source === undefined ? [] : [{ action: 'oss:GetObject', resource: arn(source.bucket, source.key) }];
  switch (method) {
    case 'PUT':
      if ('tagging' in query) return one('oss:PutObjectTagging');
      return [
        ...one('oss:PutObject'),
        ...read,
        ...(headers['x-oss-tagging'] ? one('oss:PutObjectTagging') : []),
      ];
    case 'GET':
      if ('tagging' in query) return one('oss:GetObjectTagging');
      return one('uploadId' in query ? 'oss:ListParts' : 'oss:GetObject');
    case 'HEAD':
      return one('oss:GetObject');
    case 'DELETE':
      if ('tagging' in query) return one('oss:DeleteObjectTagging');
      return one('uploadId' in query ? 'oss:AbortMultipartUpload' : 'oss:DeleteObject');
    default:
      return one('oss:PutObject'); // POST ?uploads / ?uploadId: InitiateMultipartUpload, CompleteMultipartUpload
  }
}

function bucketRequest(
  method: string,
  query: Readonly<Record<string, string>>,
  resource: string,
): RamRequest {
  if (method === 'GET') {
    if ('bucketInfo' in query) return { action: 'oss:GetBucketInfo', resource };
    if ('location' in query) return { action: 'oss:GetBucketLocation', resource };
    if ('uploads' in query) return { action: 'oss:ListMultipartUploads', resource };
    return { action: 'oss:ListObjects', resource, context: { 'oss:Prefix': query.prefix ?? '' } };
  }
  const action = { PUT: 'oss:PutBucket', DELETE: 'oss:DeleteBucket', HEAD: 'oss:GetBucketInfo' }[method];
  return { action: action ?? 'oss:PostObject', resource };
}

function copySourceOf(headers: IncomingHttpHeaders): { bucket: string; key: string } | undefined {
  const raw = headers['x-oss-copy-source'];
  if (typeof raw !== 'string') return undefined;
  const path = raw.split('?')[0] as string;
  const slash = path.indexOf('/', 1);
  if (!path.startsWith('/') || slash < 0) return undefined;
  try {
    return { bucket: path.slice(1, slash), key: decodeURIComponent(path.slice(slash + 1)) };
  } catch {
    return undefined;
  }
}
