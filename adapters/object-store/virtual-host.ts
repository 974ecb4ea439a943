import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type OSS from 'ali-oss';
import { TerminalError, TransientError } from '../../core/errors.js';
import { addressingOf } from './client.js';

/** getaddrinfo's answers for a name that does not resolve. */
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL']);

/**
 * A virtual-hosted request goes to `<bucket>.<endpoint host>` (ali-oss lib/common/utils/getReqUrl.js):
 * Alibaba Cloud OSS has DNS for every bucket, an OSS-compatible store or gateway often does not. When that
 * name does not resolve but the endpoint's own host does, DNS is not down: the endpoint needs path-style
 * requests (`pathStyle`) or wildcard DNS. Retrying cannot fix that, so it becomes terminal OSS_VHOST_DNS
 * (a configuration error). When the endpoint's host does not resolve either, the error stays transient
 * (a resolver or the network is down). Other errors pass through.
 */
export async function explainVirtualHostDns(client: OSS, error: unknown): Promise<unknown> {
  if (!(error instanceof TransientError && error.code === 'OSS_UNAVAILABLE')) return error;
  if (!DNS_CODES.has(String(error.details.systemCode))) return error;
  const { host, bucket, pathStyle } = addressingOf(client);
  if (pathStyle || host === undefined || bucket === undefined || isIP(host) !== 0) return error;
  const failed = String(error.details.host ?? '').replace(/:\d+$/, '');
  if (failed !== `${bucket}.${host}`) return error;
  if (!(await resolves(host))) return error;
  const what = String(error.details.operation ?? 'request');
  return new TerminalError(
    'OSS_VHOST_DNS',
    `${what}: ${failed} does not resolve (${error.details.systemCode}) while ${host} does: this endpoint has no DNS for virtual-hosted buckets (<bucket>.${host}); for a store or gateway that takes path-style requests set "pathStyle": true in the config (or OSS_PATH_STYLE=true), else add DNS for *.${host}`,
    { cause: error, details: { ...error.details, endpointHost: host } },
  );
}

async function resolves(host: string): Promise<boolean> {
  try {
    await lookup(host);
    return true;
  } catch {
    return false;
  }
}
