import { createHash, createHmac } from 'node:crypto';
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
 * Signature V4 (`OSS4-HMAC-SHA256`), rebuilt exactly as ali-oss 6.23 lib/common/signUtils.js does:
 * canonical request = VERB, encoded `/<bucket>/<key>` (slashes kept), sorted encoded query, canonical headers
 * (content-type, content-md5, x-oss-*, plus AdditionalHeaders), the additional header names, payload hash.
 * Signing key: HMAC("aliyun_v4"+secret, yyyymmdd) → region → "oss" → "aliyun_v4_request".
 */

const ALGORITHM = 'OSS4-HMAC-SHA256';
const V4_EC = '0002-00000201';

/** Query parameters that name the sub-resource and are sent bare by ali-oss (`uploads`, `tagging`, …). */
const BARE_WHEN_EMPTY = new Set([
  'uploads',
  'tagging',
  'objectMeta',
  'acl',
  'bucketInfo',
  'symlink',
  'delete',
]);

interface V4Fields {
  accessKeyId: string;
  scope: { date: string; region: string; product: string };
  additionalHeaders: string[];
  signature: string;
  date: string;
}

export function verifyV4Header(req: SignedRequest, credentials: readonly OssCredential[], region: string) {
  const fields = parseAuthorization(header(req.headers, 'authorization') ?? '', req);
  const credential = checkFields(fields, credentials, region, req.now);
  checkSecurityToken(credential, header(req.headers, 'x-oss-security-token'));
  return verify(req, fields, credential, req.query);
}

/** Presigned V4 URL (ali-oss signatureUrlV4): the signing fields travel as `x-oss-*` query parameters. */
export function verifyV4Url(req: SignedRequest, credentials: readonly OssCredential[], region: string) {
  const q = req.query;
  const fields = fieldsFrom(
    q['x-oss-credential'] ?? '',
    q['x-oss-additional-headers'] ?? '',
    q['x-oss-signature'] ?? '',
  );
  fields.date = q['x-oss-date'] ?? '';
  const credential = checkFields(fields, credentials, region, req.now, Number(q['x-oss-expires'] ?? '0'));
  checkSecurityToken(credential, q['x-oss-security-token']);
  const { 'x-oss-signature': _omit, ...signed } = q;
  return verify(req, fields, credential, signed);
}

function parseAuthorization(auth: string, req: SignedRequest): V4Fields {
  const parts = new Map<string, string>();
  for (const item of auth.slice(ALGORITHM.length).split(',')) {
    const eq = item.indexOf('=');
    if (eq > 0) parts.set(item.slice(0, eq).trim(), item.slice(eq + 1).trim());
  }
  const fields = fieldsFrom(
    parts.get('Credential') ?? '',
    parts.get('AdditionalHeaders') ?? '',
    parts.get('Signature') ?? '',
  );
  fields.date = header(req.headers, 'x-oss-date') ?? '';
  return fields;
}

function fieldsFrom(credential: string, additional: string, signature: string): V4Fields {
  const [accessKeyId = '', date = '', region = '', product = '', terminator = ''] = credential.split('/');
  if (terminator !== 'aliyun_v4_request')
    throw ossError('AccessDenied', {}, 'Invalid Credential in V4 signature.');
  const additionalHeaders = additional === '' ? [] : additional.split(';').map((h) => h.trim().toLowerCase());
  return { accessKeyId, scope: { date, region, product }, additionalHeaders, signature, date: '' };
}

function checkFields(
  fields: V4Fields,
  credentials: readonly OssCredential[],
  region: string,
  now: number,
  expires = 0,
) {
  const credential = findCredential(credentials, fields.accessKeyId);
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(fields.date);
  if (!m) throw ossError('AccessDenied', {}, 'Missing or invalid x-oss-date for V4 signature.');
  const time = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  if (expires > 0) {
    if (time + expires * 1000 < now) throw ossError('AccessDenied', {}, 'Request has expired.');
  } else {
    checkClockSkew(time, now, fields.date);
  }
  const { scope } = fields;
  if (scope.date !== fields.date.slice(0, 8) || scope.region !== region || scope.product !== 'oss') {
    throw ossError(
      'AccessDenied',
      {},
      `Invalid credential scope ${scope.date}/${scope.region}/${scope.product}.`,
    );
  }
  return credential;
}

/**
 * On the wire `?uploads` and `?prefix=` both arrive as `name=` (ali-oss formats `''` that way), but the
 * canonical form is bare for a sub-resource and `name=` for an ordinary empty parameter. Try the readings.
 */
function verify(
  req: SignedRequest,
  fields: V4Fields,
  credential: OssCredential,
  query: Record<string, string>,
) {
  const readings: ((name: string) => boolean)[] = [(n) => BARE_WHEN_EMPTY.has(n), () => true, () => false];
  let first = '';
  for (const bare of readings) {
    const stringToSign = stringToSignV4(req, fields, query, bare);
    first ||= stringToSign;
    const expected = signatureV4(credential.accessKeySecret, fields, stringToSign);
    if (signaturesEqual(expected, fields.signature)) return credential;
  }
  throw signatureMismatch(first, fields.accessKeyId, fields.signature, V4_EC);
}

function stringToSignV4(
  req: SignedRequest,
  fields: V4Fields,
  query: Record<string, string>,
  bare: (n: string) => boolean,
) {
  const { bucket, key } = req.target;
  const uri = encode(`/${bucket === '' ? '' : `${bucket}/`}${key}`).replace(/%2F/g, '/');
  const canonicalQuery = Object.keys(query)
    .sort((a, b) => a.localeCompare(b))
    .map((name) =>
      query[name] === '' && bare(name) ? encode(name) : `${encode(name)}=${encode(query[name]!)}`,
    )
    .join('&');
  const names = new Set(fields.additionalHeaders);
  for (const name of Object.keys(req.headers)) {
    if (name === 'content-type' || name === 'content-md5' || name.startsWith('x-oss-')) names.add(name);
  }
  const canonicalHeaders = [...names]
    .sort()
    .map((name) => `${name}:${(header(req.headers, name) ?? '').trim()}\n`)
    .join('');
  const canonicalRequest = [
    req.method.toUpperCase(),
    uri,
    canonicalQuery,
    canonicalHeaders,
    fields.additionalHeaders.join(';'),
    header(req.headers, 'x-oss-content-sha256') ?? 'UNSIGNED-PAYLOAD',
  ].join('\n');
  const { date, region, product } = fields.scope;
  const hashed = createHash('sha256').update(canonicalRequest).digest('hex');
  return [ALGORITHM, fields.date, `${date}/${region}/${product}/aliyun_v4_request`, hashed].join('\n');
}

function signatureV4(secret: string, fields: V4Fields, stringToSign: string): string {
  return signWithScopeV4(secret, fields.scope, stringToSign);
}

/** hex(HMAC-SHA256(signing key, text)), the key chained from the scope; PostObject signs its policy so. */
export function signWithScopeV4(
  secret: string,
  scope: { date: string; region: string; product: string },
  text: string,
): string {
  let key = createHmac('sha256', `aliyun_v4${secret}`).update(scope.date).digest();
  for (const part of [scope.region, scope.product, 'aliyun_v4_request'])
    key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(text).digest('hex');
}

/** ali-oss encodeString: encodeURIComponent plus `!'()*`. */
function encode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
