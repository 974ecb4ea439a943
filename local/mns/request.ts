import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { NotifyContentFormat, NotifyStrategy } from './model.js';
import { contentMd5, type HeaderBag, hmacSignature, type MnsCredential } from './signature.js';
import { escapeXml, MNS_NAMESPACE } from './xml.js';

export interface MnsResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A hand-signed request was answered with an MNS `<Error>`. */
export class MnsRequestError extends Error {
  override readonly name = 'MnsRequestError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Send one request signed exactly like `@alicloud/mns` 1.2.0 does (lib/client.js buildHeaders + sign):
 * date = x-mns-date, x-mns-version 2015-06-06, and for bodies text/xml with base64-of-hex Content-MD5;
 * `security-token` is added unsigned when the credential has one. For the calls the SDK leaves as stubs
 * (Subscribe, Unsubscribe, ListSubscriptionByTopic, DeleteTopic) in tests and the demo.
 */
export function mnsRequest(
  baseUrl: string,
  credential: MnsCredential,
  method: string,
  path: string,
  body = '',
  extraHeaders: Record<string, string> = {},
): Promise<MnsResponse> {
  const url = new URL(baseUrl);
  const date = new Date().toUTCString();
  const headers: HeaderBag = { date, host: url.host, 'x-mns-date': date, 'x-mns-version': '2015-06-06' };
  if (method !== 'GET' && method !== 'HEAD') {
    Object.assign(headers, {
      'content-length': Buffer.byteLength(body),
      'content-type': 'text/xml',
      'content-md5': contentMd5(body),
    });
  }
  Object.assign(headers, extraHeaders);
  headers.authorization = `MNS ${credential.accessKeyId}:${hmacSignature(credential.accessKeySecret, { method, resource: path, headers })}`;
  if (credential.securityToken !== undefined) headers['security-token'] = credential.securityToken;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface SubscriptionOptions {
  /** `http://…` or `acs:mns:<region>:<accountId>:queues/<queue>` */
  endpoint: string;
  filterTag?: string;
  notifyStrategy?: NotifyStrategy;
  notifyContentFormat?: NotifyContentFormat;
}

/** The Subscribe body (Subscribe doc); absent options are left out so the server's defaults apply. */
export function subscriptionXml(options: SubscriptionOptions): string {
  const fields: Array<[string, string | undefined]> = [
    ['Endpoint', options.endpoint],
    ['FilterTag', options.filterTag],
    ['NotifyStrategy', options.notifyStrategy],
    ['NotifyContentFormat', options.notifyContentFormat],
  ];
  const children = fields
    .filter((field): field is [string, string] => field[1] !== undefined)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><Subscription xmlns="${MNS_NAMESPACE}">${children}</Subscription>`;
}

/** Subscribe: resolves 201 (created) or 204 (identical one exists); an `<Error>` becomes MnsRequestError. */
export async function mnsSubscribe(
  baseUrl: string,
  credential: MnsCredential,
  topic: string,
  name: string,
  options: SubscriptionOptions,
): Promise<number> {
  const path = `/topics/${encodeURIComponent(topic)}/subscriptions/${encodeURIComponent(name)}`;
  return expectSuccess(await mnsRequest(baseUrl, credential, 'PUT', path, subscriptionXml(options)));
}

export async function mnsUnsubscribe(
  baseUrl: string,
  credential: MnsCredential,
  topic: string,
  name: string,
): Promise<number> {
  const path = `/topics/${encodeURIComponent(topic)}/subscriptions/${encodeURIComponent(name)}`;
  return expectSuccess(await mnsRequest(baseUrl, credential, 'DELETE', path));
}

function expectSuccess(response: MnsResponse): number {
  if (response.status >= 200 && response.status < 300) return response.status;
  const code = /<Code>([^<]*)<\/Code>/.exec(response.body)?.[1] ?? 'Unknown';
  const message = /<Message>([^<]*)<\/Message>/.exec(response.body)?.[1] ?? response.body;
  throw new MnsRequestError(response.status, code, `${code}: ${message}`);
}
