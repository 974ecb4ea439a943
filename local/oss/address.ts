import { isIP } from 'node:net';
import { OssError, ossError } from './oss-error.js';

/** Which bucket and object a request names. `bucket` is '' for service-level calls (ListBuckets). */
export interface Target {
  bucket: string;
  key: string;
}

/** The request line split the way OSS reads it. */
export interface RequestLine {
  /** Still percent-encoded, without the query. */
  rawPath: string;
  /** Decoded query parameters; a parameter without `=` has the value ''. First occurrence wins. */
  query: Record<string, string>;
}

export function parseRequestLine(url: string): RequestLine {
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const query: Record<string, string> = {};
  if (q >= 0) {
    for (const pair of url.slice(q + 1).split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const name = decodePart(eq < 0 ? pair : pair.slice(0, eq));
      if (!Object.hasOwn(query, name)) query[name] = eq < 0 ? '' : decodePart(pair.slice(eq + 1));
    }
  }
  return { rawPath, query };
}

/**
 * Every reading of (Host, path) that ali-oss can produce (ali-oss 6.x lib/client.js _getReqUrl, lib/common/utils/getReqUrl.js):
 * - IP endpoint: path `/<key>`, bucket in `Host: <bucket>.oss-<region>.aliyuncs.com`;
 * - `sldEnable: true`: path `/<bucket>/<key>` (with an IP endpoint the Host still names the bucket);
 * - virtual-hosted: `Host: <bucket>.<anything>`, path `/<key>`.
 * When both readings are possible the signature decides (the signed resource differs), so the caller
 * tries the candidates in order.
 */
export function resolveTargets(hostHeader: string | undefined, rawPath: string): Target[] {
  const path = decodePart(rawPath);
  if (!path.startsWith('/')) throw new OssError('InvalidURI', { status: 400, message: 'Invalid URI.' });
  const hostBucket = bucketFromHost(hostHeader);
  const slash = path.indexOf('/', 1);
  const pathStyle: Target =
    slash < 0
      ? { bucket: path.slice(1), key: '' }
      : { bucket: path.slice(1, slash), key: path.slice(slash + 1) };
  if (hostBucket === undefined) return [pathStyle];
  if (hostBucket === '') return [pathStyle];
  const virtual: Target = { bucket: hostBucket, key: path.slice(1) };
  return pathStyle.bucket === hostBucket ? [pathStyle, virtual] : [virtual, pathStyle];
}

/** The bucket a Host header names: '' for the bare service host, undefined for an IP or localhost. */
function bucketFromHost(hostHeader: string | undefined): string | undefined {
  if (hostHeader === undefined) return undefined;
  const host = stripPort(hostHeader.trim().toLowerCase());
  if (host === '' || host === 'localhost' || isIP(host) !== 0) return undefined;
  const aliyun = /^(?:([^.]*)\.)?oss-[a-z0-9-]+\.aliyuncs\.com$/.exec(host);
  if (aliyun) return aliyun[1] ?? '';
  const dot = host.indexOf('.');
  return dot < 0 ? undefined : host.slice(0, dot);
}

function stripPort(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const colon = host.lastIndexOf(':');
  return colon >= 0 && host.indexOf(':') === colon ? host.slice(0, colon) : host;
}

function decodePart(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch (cause) {
    throw new OssError('InvalidURI', { status: 400, message: 'Invalid URI: bad percent-encoding.', cause });
  }
}

/**
 * OSS object names: 1–1023 bytes of UTF-8, not starting with `/` or `\`. `.`/`..` segments are refused
 * too, so no key can be read as a path outside its bucket by anything downstream.
 */
export function checkKey(key: string): void {
  const bad =
    Buffer.byteLength(key) > 1023 ||
    key.startsWith('/') ||
    key.startsWith('\\') ||
    key.split(/[/\\]/).some((segment) => segment === '..' || segment === '.');
  if (bad) throw ossError('InvalidObjectName', { Key: key }, 'The specified object name is not valid.');
}
