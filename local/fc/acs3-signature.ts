import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Alibaba Cloud's V3 request signature, ACS3-HMAC-SHA256, as the FC 3.0 API checks it
 * (https://help.aliyun.com/zh/sdk/product-overview/v3-request-structure-and-signature; the SDK side is
 * @alicloud/openapi-core utils.getAuthorization):
 *   CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n HashedPayload
 *   StringToSign     = "ACS3-HMAC-SHA256" \n hex(SHA-256(CanonicalRequest))
 *   Authorization    = ACS3-HMAC-SHA256 Credential=<ak>,SignedHeaders=<h1;h2…>,Signature=hex(HMAC-SHA256(secret, StringToSign))
 * Signed headers are host, content-type and every x-acs-* header, lower-case, sorted.
 */
export interface Acs3Request {
  method: string;
  /** the path as sent (percent-encoded) */
  path: string;
  /** decoded query parameters */
  query: Record<string, string>;
  /** lower-case names */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface ParsedAuthorization {
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

/** Parse the Authorization header; undefined when it is not an ACS3-HMAC-SHA256 one. */
export function parseAcs3Authorization(value: string | undefined): ParsedAuthorization | undefined {
  const m =
    /^ACS3-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(
      value ?? '',
    );
  if (m === null) return undefined;
  return {
    accessKeyId: m[1] as string,
    signedHeaders: (m[2] as string).split(';'),
    signature: m[3] as string,
  };
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The signature the request should carry for `secret`, over the headers it says it signed. */
export function acs3Signature(
  request: Acs3Request,
  signedHeaders: readonly string[],
  secret: string,
): string {
  const canonical = [
    request.method.toUpperCase(),
    canonicalUri(request.path),
    canonicalQuery(request.query),
    `${signedHeaders.map((h) => `${h}:${headerValue(request.headers[h])}`).join('\n')}\n`,
    signedHeaders.join(';'),
    headerValue(request.headers['x-acs-content-sha256']) || sha256Hex(request.body),
  ].join('\n');
  const stringToSign = `ACS3-HMAC-SHA256\n${sha256Hex(canonical)}`;
  return createHmac('sha256', secret).update(stringToSign).digest('hex');
}

export function sameHex(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function canonicalUri(path: string): string {
  return path.replace(/\+/g, '%20').replace(/\*/g, '%2A').replace(/%7E/g, '~');
}

/** Keys sorted, `key=value` with RFC 3986 encoding (!'()* too), joined by &. */
function canonicalQuery(query: Record<string, string>): string {
  return Object.keys(query)
    .sort()
    .map((k) => `${k}=${encode(query[k] ?? '')}`)
    .join('&');
}

function encode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function headerValue(value: string | string[] | undefined): string {
  if (value === undefined) return '';
  return (Array.isArray(value) ? [...value].sort().join(',') : value).trim();
}
