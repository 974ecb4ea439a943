import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAllowed, type RamPolicy, type RamRequest } from '../ram/policy.js';
import { rpcSignatureMatches } from './rpc-signature.js';

/**
 * A KMS-compatible endpoint for the tests and the local stack: the GetSecretValue call of KMS Secrets Manager
 * (API 2016-01-20, RPC style), with the request signature, the STS token and the timestamp checked as KMS checks
 * them, RAM policies per access key when given, and KMS's error codes and JSON bodies.
 */
export interface KmsCredential {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export interface KmsServerOptions {
  region: string;
  accountId: string;
  credentials: readonly KmsCredential[];
  /** secret name → its current value (SecretData) */
  secrets: Readonly<Record<string, string>>;
  policies?: ReadonlyMap<string, readonly RamPolicy[]>;
  onAuthorize?: (decision: { accessKeyId: string; request: RamRequest; allowed: boolean }) => void;
  host?: string;
  port?: number;
}

export interface KmsServer {
  url: string;
  close(): Promise<void>;
}

class KmsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const MAX_SKEW_MS = 15 * 60 * 1000;

export async function startKmsServer(options: KmsServerOptions): Promise<KmsServer> {
  const server = createServer((req, res) => {
    void handle(options, req, res);
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(options: KmsServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = randomUUID().toUpperCase();
  try {
    const params = await paramsOf(req);
    const credential = authenticate(options, req.method ?? 'GET', params);
    if (params.Action !== 'GetSecretValue')
      throw new KmsError(400, 'InvalidAction.NotFound', `Specified api ${params.Action} is not found.`);
    const name = params.SecretName ?? '';
    authorize(options, credential.accessKeyId, name);
    const value = options.secrets[name];
    if (value === undefined)
      throw new KmsError(404, 'Forbidden.ResourceNotFound', 'The resource cannot be found.');
    send(res, 200, {
      RequestId: requestId,
      SecretName: name,
      SecretType: 'Generic',
      SecretDataType: 'text',
      SecretData: value,
      VersionId: 'v1',
      VersionStages: { VersionStage: ['ACSCurrent'] },
      CreateTime: '2026-01-01T00:00:00Z',
    });
  } catch (error) {
    const e = error instanceof KmsError ? error : new KmsError(500, 'InternalFailure', String(error));
    send(res, e.status, {
      RequestId: requestId,
      HostId: req.headers.host ?? '',
      Code: e.code,
      Message: e.message,
    });
  }
}

/** The query string and, for a form POST, the body: the RPC parameters. */
async function paramsOf(req: IncomingMessage): Promise<Record<string, string>> {
  const url = new URL(req.url ?? '/', 'http://kms.local');
  const params: Record<string, string> = Object.fromEntries(url.searchParams);
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  if (body !== '') Object.assign(params, Object.fromEntries(new URLSearchParams(body)));
  return params;
}

function authenticate(
  options: KmsServerOptions,
  method: string,
  params: Record<string, string>,
): KmsCredential {
  const credential = options.credentials.find((c) => c.accessKeyId === params.AccessKeyId);
  if (credential === undefined)
    throw new KmsError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
  if (credential.securityToken !== undefined && params.SecurityToken !== credential.securityToken)
    throw new KmsError(
      400,
      'InvalidSecurityToken.Mismatch',
      'Specified SecurityToken mismatch with the AccessKey.',
    );
  const at = Date.parse(params.Timestamp ?? '');
  if (!Number.isFinite(at) || Math.abs(Date.now() - at) > MAX_SKEW_MS)
    throw new KmsError(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');
  if (!rpcSignatureMatches(params, method, credential.accessKeySecret, params.Signature ?? ''))
    throw new KmsError(
      400,
      'SignatureDoesNotMatch',
      'Specified signature is not matched with our calculation.',
    );
  return credential;
}

function authorize(options: KmsServerOptions, accessKeyId: string, name: string): void {
  const policies = options.policies?.get(accessKeyId);
  if (policies === undefined) return;
  const request = {
    action: 'kms:GetSecretValue',
    resource: `acs:kms:${options.region}:${options.accountId}:secret/${name}`,
  };
  const allowed = isAllowed(policies, request);
  options.onAuthorize?.({ accessKeyId, request, allowed });
  if (!allowed)
    throw new KmsError(
      403,
      'Forbidden.RAM',
      "User not authorized to operate on the specified resource, or this API doesn't support RAM.",
    );
}

function send(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json;charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
