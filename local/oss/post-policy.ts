import { checkSecurityToken, findCredential, type OssCredential, signaturesEqual } from './credentials.js';
import { OssError, ossError } from './oss-error.js';
import { signV1 } from './signature-v1.js';
import { signWithScopeV4 } from './signature-v4.js';

/**
 * PostObject authentication: the form carries its own signature over the base64 policy, and the policy
 * carries the conditions every other field must meet (https://help.aliyun.com/en/oss/developer-reference/postobject,
 * "Appendix: Policy"). V1: `Signature = base64(HMAC-SHA1(secret, policy))` (ali-oss calculatePostSignature);
 * V4: `x-oss-signature = hex(HMAC-SHA256(signing key, policy))` (ali-oss signPostObjectPolicyV4).
 */

/** The form fields before `file`, names lower-cased (OSS reads them case-insensitively). */
export type FormFields = ReadonlyMap<string, string>;

/** A decoded policy whose signature verified and whose expiration is still ahead. */
export interface PostPolicy {
  conditions: unknown[];
}

const V4 = 'OSS4-HMAC-SHA256';

/** Who signed the form, or the error OSS answers with. Buckets here are private: no policy, no upload. */
export function verifyPostSignature(
  fields: FormFields,
  credentials: readonly OssCredential[],
  region: string,
  now: number,
): PostPolicy {
  const policy = fields.get('policy');
  const version = fields.get('x-oss-signature-version');
  if (version === undefined && fields.get('ossaccesskeyid') === undefined) {
    throw ossError('AccessDenied', {}, 'Anonymous access is forbidden for this operation.');
  }
  if (policy === undefined || policy === '') {
    throw new OssError('AccessDenied', { ec: '0002-00000702', message: 'The policy form field is missing.' });
  }
  if (version === V4) verifyV4(fields, policy, credentials, region);
  else if (version === undefined) verifyV1(fields, policy, credentials);
  else
    throw ossError(
      'InvalidArgument',
      { 'x-oss-signature-version': version },
      'Unsupported signature version.',
    );
  return decodePolicy(policy, now);
}

function verifyV1(fields: FormFields, policy: string, credentials: readonly OssCredential[]): void {
  const credential = findCredential(credentials, fields.get('ossaccesskeyid') ?? '');
  const provided = requiredSignature(fields.get('signature'));
  checkSecurityToken(credential, fields.get('x-oss-security-token'));
  if (!signaturesEqual(signV1(credential.accessKeySecret, policy), provided))
    throw mismatch(policy, provided);
}

function verifyV4(
  fields: FormFields,
  policy: string,
  credentials: readonly OssCredential[],
  region: string,
): void {
  const [accessKeyId = '', date = '', scopeRegion = '', product = '', terminator = ''] = (
    fields.get('x-oss-credential') ?? ''
  ).split('/');
  const signedAt = fields.get('x-oss-date') ?? '';
  if (terminator !== 'aliyun_v4_request' || product !== 'oss' || scopeRegion !== region) {
    throw ossError('AccessDenied', {}, 'Invalid x-oss-credential in the form.');
  }
  if (!/^\d{8}T\d{6}Z$/.test(signedAt) || signedAt.slice(0, 8) !== date) {
    throw ossError('AccessDenied', {}, 'Missing or invalid x-oss-date in the form.');
  }
  const credential = findCredential(credentials, accessKeyId);
  const provided = requiredSignature(fields.get('x-oss-signature'));
  checkSecurityToken(credential, fields.get('x-oss-security-token'));
  const expected = signWithScopeV4(credential.accessKeySecret, { date, region, product }, policy);
  if (!signaturesEqual(expected, provided)) throw mismatch(policy, provided);
}

function requiredSignature(value: string | undefined): string {
  if (value === undefined || value === '') {
    throw new OssError('AccessDenied', {
      ec: '0002-00000703',
      message: 'The Signature form field is missing.',
    });
  }
  return value;
}

function mismatch(policy: string, provided: string): OssError {
  return new OssError('SignatureDoesNotMatch', {
    details: { StringToSign: policy, SignatureProvided: provided },
  });
}

function decodePolicy(encoded: string, now: number): PostPolicy {
  let doc: { expiration?: unknown; conditions?: unknown };
  try {
    doc = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as typeof doc;
  } catch (cause) {
    throw new OssError('InvalidPolicyDocument', { message: 'Invalid Policy: Invalid JSON.', cause });
  }
  const expires = typeof doc.expiration === 'string' ? Date.parse(doc.expiration) : Number.NaN;
  if (Number.isNaN(expires)) {
    throw new OssError('InvalidPolicyDocument', { message: 'Invalid Policy: Invalid Expiration.' });
  }
  if (expires < now) throw ossError('AccessDenied', {}, 'Invalid according to Policy: Policy expired.');
  if (doc.conditions !== undefined && !Array.isArray(doc.conditions)) {
    throw new OssError('InvalidPolicyDocument', { message: 'Invalid Policy: conditions must be a list.' });
  }
  return { conditions: doc.conditions ?? [] };
}

/** What the conditions are checked against: the form fields plus the bucket the form was posted to. */
export interface PostedForm {
  bucket: string;
  fields: FormFields;
}

/** Every condition but content-length-range, which needs the file's size (see `checkLength`). */
export function checkConditions(policy: PostPolicy, form: PostedForm): void {
  for (const condition of policy.conditions) {
    if (Array.isArray(condition) && condition[0] === 'content-length-range') continue;
    if (!holds(condition, form)) failed(condition);
  }
}

/** The content-length-range conditions, once the file has been received. */
export function checkLength(policy: PostPolicy, size: number): void {
  for (const condition of policy.conditions) {
    if (!Array.isArray(condition) || condition[0] !== 'content-length-range') continue;
    const [, min, max] = condition as [string, unknown, unknown];
    if (typeof min !== 'number' || typeof max !== 'number') failed(condition);
    if (size > max)
      throw ossError('EntityTooLarge', { MaxSizeAllowed: String(max), ProposedSize: String(size) });
    if (size < min)
      throw ossError('EntityTooSmall', { MinSizeAllowed: String(min), ProposedSize: String(size) });
  }
}

function holds(condition: unknown, form: PostedForm): boolean {
  if (Array.isArray(condition)) {
    const [op, target, expected] = condition as [unknown, unknown, unknown];
    if (typeof target !== 'string' || !target.startsWith('$')) return false;
    const actual = fieldValue(form, target.slice(1));
    switch (op) {
      case 'eq':
        return actual === expected;
      case 'starts-with':
        return typeof expected === 'string' && actual !== undefined && actual.startsWith(expected);
      case 'in':
        return Array.isArray(expected) && actual !== undefined && expected.includes(actual);
      case 'not-in':
        return Array.isArray(expected) && !expected.includes(actual);
      default:
        return false;
    }
  }
  if (condition !== null && typeof condition === 'object') {
    const entries = Object.entries(condition);
    return entries.length === 1 && fieldValue(form, entries[0]![0]) === entries[0]![1];
  }
  return false;
}

function fieldValue(form: PostedForm, name: string): string | undefined {
  const lower = name.toLowerCase();
  return lower === 'bucket' ? form.bucket : form.fields.get(lower);
}

function failed(condition: unknown): never {
  throw new OssError('AccessDenied', {
    ec: '0006-00000227',
    message: `Invalid according to Policy: Policy Condition failed: ${JSON.stringify(condition)}`,
  });
}
