import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Alibaba Cloud's RPC-style signature, version 1.0 (HMAC-SHA1), as @alicloud/rpc-util getSignatureV1 computes it
 * (https://help.aliyun.com/zh/sdk/product-overview/rpc-mechanism): every parameter but Signature, sorted, each
 * `percent(key)=percent(value)`, joined by `&`; string to sign `METHOD&%2F&percent(that)`; key `secret&`.
 */
export function rpcSignatureV1(
  params: Readonly<Record<string, string>>,
  method: string,
  secret: string,
): string {
  const canonical = Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort()
    .map((k) => `${percent(k)}=${percent(params[k] as string)}`)
    .join('&');
  const toSign = `${method}&${percent('/')}&${percent(canonical)}`;
  return createHmac('sha1', `${secret}&`).update(toSign).digest('base64');
}

/** Does `given` equal the signature of `params`? Constant time. */
export function rpcSignatureMatches(
  params: Readonly<Record<string, string>>,
  method: string,
  secret: string,
  given: string,
): boolean {
  const expected = Buffer.from(rpcSignatureV1(params, method, secret));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function percent(text: string): string {
  return encodeURIComponent(text)
    .replace(/!/g, '%21')
    .replace(/'/g, '%27')
    .replace(/\(/g, '%28')
    .replace(/\)/g, '%29')
    .replace(/\*/g, '%2A');
}
