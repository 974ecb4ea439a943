import { mkdtemp, rm } from 'node:fs/promises';
import { type ClientRequest, type IncomingHttpHeaders, request } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OSS from 'ali-oss';
import type { OssEventRecord } from '../../core/oss-event.js';
import { type OssServer, type OssServerOptions, startOssServer } from '../../local/oss/server.js';

export const AK = { accessKeyId: 'LTAI-local-test', accessKeySecret: 'local-secret' };
export const STS = {
  accessKeyId: 'STS.local-test',
  accessKeySecret: 'sts-secret',
  securityToken: 'sts-token-1',
};
export const BUCKET = 'qlib-bkt';
export const REGION = 'cn-hangzhou';
export const ACCOUNT = '1234567890123456';

/**
 * Client options for the STS credential. A refresher that hands back the same token keeps ali-oss from
 * warning that none is set; the token under test is what goes on the wire.
 */
export function stsOptions(token: string = STS.securityToken): ClientOptions {
  const credentials = { accessKeyId: STS.accessKeyId, accessKeySecret: STS.accessKeySecret, stsToken: token };
  return { ...credentials, refreshSTSToken: async () => credentials };
}

/** ali-oss options @types/ali-oss does not declare (both exist in ali-oss 6.23 lib/common/client/initOptions.js). */
export type ClientOptions = Partial<OSS.Options> & { sldEnable?: boolean; amendTimeSkewed?: number };

interface Res {
  res: { status: number; headers: object };
}

/** ali-oss 6.23 methods @types/ali-oss 6.23.3 leaves out (lib/common/object/*ObjectTagging.js, getObjectMeta.js). */
export type Client = OSS & {
  putObjectTagging(name: string, tag: Record<string, string>): Promise<Res & { status: number }>;
  getObjectTagging(name: string): Promise<Res & { status: number; tag: Record<string, string> }>;
  deleteObjectTagging(name: string): Promise<Res & { status: number }>;
  getObjectMeta(name: string): Promise<Res & { status: number }>;
};

/** One server over its own temp dir, plus helpers to talk to it with the real ali-oss client. */
export interface OssHarness {
  server: OssServer;
  root: string;
  events: OssEventRecord[];
  client(options?: ClientOptions): Client;
  /** Restart on the same root (state must persist). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(options: Partial<OssServerOptions> = {}): Promise<OssHarness> {
  const root = await mkdtemp(join(tmpdir(), 'local-oss-'));
  const config: OssServerOptions = {
    root,
    region: REGION,
    accountId: ACCOUNT,
    credentials: [AK, STS],
    buckets: [BUCKET],
    ...options,
  };
  const events: OssEventRecord[] = [];
  const harness: OssHarness = {
    server: await startOssServer(config),
    root,
    events,
    client: (overrides = {}) =>
      new OSS({
        ...AK,
        bucket: BUCKET,
        region: `oss-${REGION}`,
        endpoint: harness.server.url,
        secure: false,
        ...overrides,
      } as OSS.Options) as Client,
    async restart() {
      await harness.server.close();
      harness.server = await startOssServer({ ...config, port: harness.server.port });
      harness.server.onEvent((e) => events.push(e));
    },
    async close() {
      await harness.server.close();
      await rm(root, { recursive: true, force: true });
    },
  };
  harness.server.onEvent((e) => events.push(e));
  return harness;
}

interface SignUtils {
  buildCanonicalString(
    method: string,
    resource: string,
    req: { headers: object; parameters?: object },
  ): string;
  computeSignature(secret: string, stringToSign: string): string;
}

/** ali-oss's own V1 signer, so raw requests are signed exactly as the client signs (no copy of the algorithm). */
const signUtils = createRequire(import.meta.url)('ali-oss/lib/common/signUtils.js') as SignUtils;

export interface RawRequest {
  method: string;
  key: string;
  bucket?: string;
  subres?: Record<string, string>;
  headers?: Record<string, string>;
  secret?: string;
}

/** A V1-signed request in the IP-endpoint form ali-oss uses, for cases the client cannot produce. */
export function openSignedRequest(server: OssServer, raw: RawRequest): ClientRequest {
  const bucket = raw.bucket ?? BUCKET;
  const headers: Record<string, string> = { 'x-oss-date': new Date().toUTCString(), ...raw.headers };
  const stringToSign = signUtils.buildCanonicalString(raw.method, `/${bucket}/${raw.key}`, {
    headers,
    parameters: raw.subres,
  });
  const signature = signUtils.computeSignature(raw.secret ?? AK.accessKeySecret, stringToSign);
  const query = Object.entries(raw.subres ?? {})
    .map(([k, v]) => (v === '' ? k : `${k}=${encodeURIComponent(v)}`))
    .join('&');
  const path = `/${encodeURIComponent(raw.key).replace(/%2F/g, '/')}${query === '' ? '' : `?${query}`}`;
  // Options, not a URL string: a URL would normalise `..` segments away before they reach the server.
  return request({
    host: '127.0.0.1',
    port: server.port,
    path,
    method: raw.method,
    headers: {
      ...headers,
      host: `${bucket}.oss-${REGION}.aliyuncs.com`,
      authorization: `OSS ${AK.accessKeyId}:${signature}`,
    },
  });
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export function signedRequest(
  server: OssServer,
  raw: RawRequest,
  body?: Buffer | string,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = openSignedRequest(server, raw);
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.end(body);
  });
}

/** The error ali-oss throws, as a plain object worth asserting on. */
export async function failure(
  promise: Promise<unknown>,
): Promise<{ code?: string; status?: number; name?: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code?: string; status?: number; name?: string };
    return { code: e.code, status: e.status, name: e.name };
  }
  throw new Error('expected the call to fail');
}

/** Deterministic pseudo-random bytes (xorshift), so part boundaries are not all-equal data. */
export function bytes(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** An HTML-form upload (PostObject): the fields in order, then the file, as a browser sends them. */
export interface PostForm {
  fields: Record<string, string>;
  file: Buffer;
  filename?: string;
  contentType?: string;
  bucket?: string;
}

/** POST the form to the bucket (`POST /<bucket>`, path-style: the Host is the server's IP). */
export async function postObjectForm(server: OssServer, form: PostForm): Promise<RawResponse> {
  const data = new FormData();
  for (const [name, value] of Object.entries(form.fields)) data.append(name, value);
  const blob = new Blob([form.file], form.contentType === undefined ? {} : { type: form.contentType });
  data.append('file', blob, form.filename ?? 'upload.bin');
  const res = await fetch(`${server.url}/${form.bucket ?? BUCKET}`, {
    method: 'POST',
    body: data,
    redirect: 'manual',
  });
  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
}

/** A policy document that expires `seconds` from now. */
export function postPolicy(
  conditions: unknown[],
  seconds = 3600,
): { expiration: string; conditions: unknown[] } {
  return { expiration: new Date(Date.now() + seconds * 1000).toISOString(), conditions };
}
