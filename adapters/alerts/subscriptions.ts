import { createHash, createHmac } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { TerminalError, TransientError } from '../../core/errors.js';
import { escapeXml } from './mns.js';

/**
 * MNS topic subscriptions as code. @alicloud/mns 1.2.0's subscribe()/unsubscribe()/listSubscriptionByTopic() are
 * empty stubs, so these requests are signed here exactly as the SDK signs the rest (lib/client.js: HMAC-SHA1 over
 * METHOD, Content-MD5 = base64 of the hex MD5, Content-Type, Date, the x-mns-* headers and the resource;
 * https://www.alibabacloud.com/help/en/mns/sign-requests). API: Subscribe, Unsubscribe, ListSubscriptionByTopic,
 * GetSubscriptionAttributes (https://www.alibabacloud.com/help/zh/mns/developer-reference/subscribe-2).
 */
export interface SubscriptionSpec {
  name: string;
  /** `http(s)://…`, `acs:mns:<region>:<account>:queues/<q>` or `mail:directmail:<address>` */
  endpoint: string;
  filterTag?: string;
  notifyStrategy?: 'BACKOFF_RETRY' | 'EXPONENTIAL_DECAY_RETRY';
  notifyContentFormat?: 'XML' | 'JSON' | 'SIMPLIFIED';
}

export interface Subscription extends SubscriptionSpec {
  topic: string;
}

export interface MnsApiSettings {
  /** `https://<account>.mns.<region>.aliyuncs.com`, or the local stack's URL */
  endpoint: string;
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken?: string | undefined };
  timeoutMs?: number;
}

/** The MNS endpoint of an account and region (the public one; `-internal` for a VPC). */
export function mnsEndpoint(accountId: string, region: string): string {
  return `https://${accountId}.mns.${region}.aliyuncs.com`;
}

const xml = new XMLParser({ ignoreAttributes: true, parseTagValue: false, processEntities: true });

export class MnsSubscriptions {
  constructor(private readonly settings: MnsApiSettings) {}

  /** Subscribe; 'created' (201), 'unchanged' (204: the same one exists). A different one under the name is 409. */
  async subscribe(topic: string, spec: SubscriptionSpec): Promise<'created' | 'unchanged'> {
    const fields: Array<[string, string | undefined]> = [
      ['Endpoint', spec.endpoint],
      ['FilterTag', spec.filterTag],
      ['NotifyStrategy', spec.notifyStrategy],
      ['NotifyContentFormat', spec.notifyContentFormat],
    ];
    const children = fields
      .filter((f): f is [string, string] => f[1] !== undefined)
      .map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`)
      .join('');
    const body = `<?xml version="1.0" encoding="UTF-8"?><Subscription xmlns="http://mns.aliyuncs.com/doc/v1/">${children}</Subscription>`;
    const res = await this.request('PUT', subscriptionPath(topic, spec.name), body);
    return res.status === 204 ? 'unchanged' : 'created';
  }

  /** CreateQueue with the defaults (201 new, 204 an identical one exists): a queue endpoint must exist to receive. */
  async ensureQueue(name: string): Promise<void> {
    await this.request(
      'PUT',
      `/queues/${encodeURIComponent(name)}`,
      '<?xml version="1.0" encoding="UTF-8"?><Queue xmlns="http://mns.aliyuncs.com/doc/v1/"/>',
    );
  }

  async unsubscribe(topic: string, name: string): Promise<void> {
    await this.request('DELETE', subscriptionPath(topic, name));
  }

  /** Every subscription of a topic with its attributes (ListSubscriptionByTopic pages, then one GET each). */
  async list(topic: string): Promise<Subscription[]> {
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const headers: Record<string, string> = { 'x-mns-ret-number': '1000' };
      if (marker !== undefined) headers['x-mns-marker'] = marker;
      const res = await this.request(
        'GET',
        `/topics/${encodeURIComponent(topic)}/subscriptions`,
        '',
        headers,
      );
      const doc = xml.parse(res.body) as { Subscriptions?: { Subscription?: unknown; NextMarker?: string } };
      const entries = [doc.Subscriptions?.Subscription ?? []].flat() as Array<{ SubscriptionURL?: string }>;
      for (const e of entries)
        names.push(decodeURIComponent(String(e.SubscriptionURL).split('/').pop() ?? ''));
      marker = doc.Subscriptions?.NextMarker || undefined;
    } while (marker !== undefined);
    return Promise.all(names.map((name) => this.attributes(topic, name)));
  }

  async attributes(topic: string, name: string): Promise<Subscription> {
    const res = await this.request('GET', subscriptionPath(topic, name));
    const s = (xml.parse(res.body) as { Subscription: Record<string, string> }).Subscription;
    const out: Subscription = { topic, name, endpoint: String(s.Endpoint) };
    if (s.FilterTag) out.filterTag = String(s.FilterTag);
    if (s.NotifyStrategy) out.notifyStrategy = s.NotifyStrategy as Subscription['notifyStrategy'];
    if (s.NotifyContentFormat)
      out.notifyContentFormat = s.NotifyContentFormat as Subscription['notifyContentFormat'];
    return out;
  }

  /** One signed request; an MNS `<Error>` becomes a TerminalError (MNS_REJECTED), a 5xx or network failure transient. */
  private async request(
    method: string,
    path: string,
    body = '',
    extra: Record<string, string> = {},
  ): Promise<{ status: number; body: string }> {
    const { accessKeyId, accessKeySecret, securityToken } = this.settings.credentials;
    const date = new Date().toUTCString();
    const headers: Record<string, string> = {
      date,
      'x-mns-date': date,
      'x-mns-version': '2015-06-06',
      ...extra,
    };
    if (method !== 'GET' && method !== 'DELETE') {
      headers['content-type'] = 'text/xml';
      headers['content-md5'] = Buffer.from(createHash('md5').update(body).digest('hex')).toString('base64');
    }
    headers.authorization = `MNS ${accessKeyId}:${sign(accessKeySecret, method, path, headers)}`;
    if (securityToken) headers['security-token'] = securityToken;
    let res: Response;
    try {
      res = await fetch(`${this.settings.endpoint.replace(/\/$/, '')}${path}`, {
        method,
        headers,
        ...(body === '' ? {} : { body }),
        signal: AbortSignal.timeout(this.settings.timeoutMs ?? 10_000),
      });
    } catch (cause) {
      throw new TransientError('MNS_UNAVAILABLE', `${method} ${path}: ${(cause as Error).message}`, {
        cause,
      });
    }
    const text = await res.text();
    if (res.status >= 200 && res.status < 300) return { status: res.status, body: text };
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? `HTTP${res.status}`;
    const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? text.slice(0, 200);
    const Kind = res.status >= 500 ? TransientError : TerminalError;
    throw new Kind(
      res.status >= 500 ? 'MNS_UNAVAILABLE' : 'MNS_REJECTED',
      `${method} ${path}: ${code}: ${message}`,
      {
        details: { status: res.status, code },
      },
    );
  }
}

function subscriptionPath(topic: string, name: string): string {
  return `/topics/${encodeURIComponent(topic)}/subscriptions/${encodeURIComponent(name)}`;
}

function sign(secret: string, method: string, resource: string, headers: Record<string, string>): string {
  const mnsHeaders = Object.keys(headers)
    .filter((k) => k.startsWith('x-mns-'))
    .sort()
    .map((k) => `${k}:${headers[k]}\n`)
    .join('');
  const text = [
    method,
    headers['content-md5'] ?? '',
    headers['content-type'] ?? '',
    headers.date,
    `${mnsHeaders}${resource}`,
  ];
  return createHmac('sha1', secret).update(text.join('\n'), 'utf8').digest('base64');
}
