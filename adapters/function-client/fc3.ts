import { Readable } from 'node:stream';
import FC, { InvokeFunctionHeaders, InvokeFunctionRequest } from '@alicloud/fc20230330';
import { Config } from '@alicloud/openapi-client';
import { TerminalError, TransientError } from '../../core/errors.js';

/** What an invocation returned: FC's request id, the HTTP status, and for a synchronous call the body. */
export interface InvokeOutcome {
  requestId: string;
  status: number;
  body: Buffer;
  /** x-fc-error-type of a synchronous call whose function failed (UnhandledInvocationError, …) */
  errorType?: string;
}

/** Invoking FC 3.0 functions: one call, vendor errors already translated. */
export interface FunctionClient {
  invoke(functionName: string, payload: Buffer, options: { async: boolean }): Promise<InvokeOutcome>;
}

export interface Fc3Settings {
  accountId: string;
  region: string;
  /** `http(s)://host[:port]` override (the local stack); default https://<accountId>.<region>.fc.aliyuncs.com */
  endpoint?: string | undefined;
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken?: string | undefined };
  timeoutMs?: number;
}

// The package is CommonJS with `exports.default = Client`: Node's ESM loader hands over module.exports (the class
// is its .default), a bundler honouring __esModule hands over the class itself.
type FcClient = InstanceType<typeof FC.default>;
const FcClientClass = ((FC as unknown as { default?: typeof FC.default }).default ??
  FC) as unknown as typeof FC.default;

/** FC 3.0 limits an asynchronous invocation's payload to 128 KB (FC trigger invocation modes doc). */
export const ASYNC_PAYLOAD_LIMIT = 128 * 1024;

/**
 * InvokeFunction of the FC 3.0 API (2023-03-30) through @alicloud/fc20230330, the SDK of the API the functions are
 * deployed on (the FC 2.0 SDK cannot address FC 3.0 functions). The body goes as a Readable; the invocation type
 * is the `x-fc-invocation-type` header (InvokeFunctionHeaders.xFcInvocationType). Signed ACS3-HMAC-SHA256.
 */
export class Fc3FunctionClient implements FunctionClient {
  private readonly client: FcClient;

  constructor(settings: Fc3Settings) {
    const { accessKeyId, accessKeySecret, securityToken } = settings.credentials;
    const url = new URL(
      settings.endpoint ?? `https://${settings.accountId}.${settings.region}.fc.aliyuncs.com`,
    );
    this.client = new FcClientClass(
      new Config({
        accessKeyId,
        accessKeySecret,
        ...(securityToken ? { securityToken } : {}),
        endpoint: url.host,
        protocol: url.protocol.replace(':', ''),
        regionId: settings.region,
        readTimeout: settings.timeoutMs ?? 15_000,
        connectTimeout: settings.timeoutMs ?? 15_000,
      }),
    );
  }

  async invoke(functionName: string, payload: Buffer, options: { async: boolean }): Promise<InvokeOutcome> {
    if (options.async && payload.length > ASYNC_PAYLOAD_LIMIT) {
      throw new TerminalError(
        'FC_PAYLOAD_TOO_LARGE',
        `an async payload is at most ${ASYNC_PAYLOAD_LIMIT} bytes`,
      );
    }
    try {
      const response = await this.client.invokeFunctionWithOptions(
        functionName,
        new InvokeFunctionRequest({ body: Readable.from([payload]) }),
        new InvokeFunctionHeaders({ xFcInvocationType: options.async ? 'Async' : 'Sync' }),
        // The SDK only reads fields of the runtime options; empty ones keep its defaults (no retries of its own).
        {} as Parameters<FcClient['invokeFunctionWithOptions']>[3],
      );
      const headers = (response.headers ?? {}) as Record<string, string | undefined>;
      const outcome: InvokeOutcome = {
        requestId: headers['x-fc-request-id'] ?? '',
        status: response.statusCode ?? 0,
        body: await readAll(response.body),
      };
      if (headers['x-fc-error-type']) outcome.errorType = headers['x-fc-error-type'];
      return outcome;
    } catch (error) {
      throw translateFcError(error, `invoke ${functionName}`);
    }
  }
}

async function readAll(body: Readable | undefined): Promise<Buffer> {
  if (body === undefined) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/**
 * FC's answers: a 4xx (no such function, access denied, bad signature) is terminal, a throttle (429), a 5xx or a
 * network failure is transient. The SDK's errors carry `statusCode` and `code` (@alicloud/openapi-core).
 */
export function translateFcError(error: unknown, what: string): unknown {
  if (!(error instanceof Error)) return error;
  const e = error as Error & {
    statusCode?: number;
    code?: string;
    data?: { Message?: unknown };
    requestId?: string;
  };
  const status = e.statusCode ?? 0;
  const answered = status >= 400 && status < 500 && status !== 429;
  const code = e.code ?? e.name;
  const said = typeof e.data?.Message === 'string' ? e.data.Message : e.message;
  const request = e.requestId && e.requestId !== 'undefined' ? ` (request ${e.requestId})` : '';
  const message = `${what}: ${code}${status > 0 ? ` (HTTP ${status})` : ''}: ${said}${request}`;
  if (answered) return new TerminalError('FC_REJECTED', message, { cause: error, details: { status, code } });
  return new TransientError('FC_UNAVAILABLE', message, { cause: error, details: { status, code } });
}
