import OSS from 'ali-oss';

export interface OssCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string | undefined;
}

export interface OssSettings {
  bucket: string;
  /** Region id without the `oss-` prefix, e.g. cn-hangzhou. */
  region: string;
  /** Endpoint override (the local stack, or a custom domain); when absent ali-oss derives it from the region. */
  endpoint?: string | undefined;
  /** Inside Alibaba Cloud (FC, ECS): the free, faster -internal endpoint. */
  internal?: boolean;
  /**
   * Path-style requests: `<endpoint>/<bucket>/<key>` instead of `<bucket>.<endpoint host>/<key>` (ali-oss
   * `sldEnable`, lib/common/client/initOptions.js), for OSS-compatible stores and gateways that have no
   * wildcard DNS for virtual-hosted buckets. Alibaba Cloud OSS itself wants virtual-hosted requests.
   */
  pathStyle?: boolean;
  credentials: OssCredentials;
  timeoutMs?: number;
  /**
   * How far the caller's clock is ahead of this machine's (ms): requests are dated (and signed) with it,
   * through ali-oss's amendTimeSkewed. 0 in production; a test's fake clock sets it to see what OSS says.
   */
  clockOffsetMs?: number;
}

/** An ali-oss client. HTTPS unless the endpoint says http:// (ali-oss defaults to http, which we never want in the cloud). */
export function createOssClient(settings: OssSettings): OSS {
  const options: OSS.Options = {
    bucket: settings.bucket,
    region: `oss-${settings.region}`,
    accessKeyId: settings.credentials.accessKeyId,
    accessKeySecret: settings.credentials.accessKeySecret,
    internal: settings.internal ?? false,
    secure: settings.endpoint === undefined || settings.endpoint.startsWith('https:'),
    timeout: settings.timeoutMs ?? 60_000,
  };
  if (settings.credentials.securityToken) {
    options.stsToken = settings.credentials.securityToken;
    // The caller rebuilds the client when its STS credentials rotate (FC hands fresh ones in `context`);
    // setting the interval tells ali-oss so and keeps it from warning on every construction.
    options.refreshSTSTokenInterval = 300_000;
  }
  if (settings.endpoint !== undefined) options.endpoint = settings.endpoint;
  // sldEnable is in ali-oss 6.x lib/common/client/initOptions.js but not in @types/ali-oss.
  if (settings.pathStyle) Object.assign(options, { sldEnable: true });
  // amendTimeSkewed is in ali-oss 6.x lib/common/utils/createRequest.js but not in @types/ali-oss.
  if (settings.clockOffsetMs) Object.assign(options, { amendTimeSkewed: settings.clockOffsetMs });
  return new OSS(options);
}

/** The endpoint's host:port, for messages about an OSS that does not answer. */
export function endpointHost(client: OSS): string | undefined {
  return (client as unknown as { options?: { endpoint?: { host?: string } } }).options?.endpoint?.host;
}

/** Where a client's requests go: the endpoint's host, the bucket, and whether the bucket is in the path. */
export interface Addressing {
  host: string | undefined;
  bucket: string | undefined;
  pathStyle: boolean;
}

export function addressingOf(client: OSS): Addressing {
  const options = (
    client as unknown as {
      options?: { endpoint?: { hostname?: string }; bucket?: string; sldEnable?: boolean; cname?: boolean };
    }
  ).options;
  return {
    host: options?.endpoint?.hostname,
    bucket: options?.bucket,
    pathStyle: options?.sldEnable === true || options?.cname === true,
  };
}
