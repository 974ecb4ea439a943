import { TerminalError, TransientError } from '../../core/errors.js';
import { type RetryPolicy, withRetry } from '../retry.js';

/** What a pull needs from the HTTP API (docs/api.md), with the bytes it received. */
export interface ApiSource {
  json<T>(path: string): Promise<{ body: T; etag: string | null }>;
  text(path: string): Promise<string>;
  readonly received: { bytes: number; requests: number };
}

export interface ApiClientOptions {
  base: string;
  token: string;
  retry: RetryPolicy;
  /** A request (answer read included) that takes longer is abandoned and retried; default 5 minutes. */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (error: TransientError, attempt: number, delayMs: number) => void;
  fetch?: typeof fetch;
}

/**
 * The API over fetch with a bearer token: 5xx, 429, connection failures and timeouts are transient and retried with
 * backoff (agent/retry.ts); 401/403 are the token's fault (API_AUTH), other 4xx the request's (API_REFUSED).
 */
export function apiClient(options: ApiClientOptions): ApiSource {
  const received = { bytes: 0, requests: 0 };
  const doFetch = options.fetch ?? fetch;
  const get = (path: string) =>
    withRetry(
      async () => {
        const url = `${options.base.replace(/\/+$/, '')}${path}`;
        let response: Response;
        let body: Buffer;
        try {
          response = await doFetch(url, {
            headers: { authorization: `Bearer ${options.token}` },
            signal: AbortSignal.timeout(options.timeoutMs ?? 300_000),
          });
          body = Buffer.from(await response.arrayBuffer());
        } catch (error) {
          throw new TransientError('API_UNREACHABLE', `the API did not answer ${path}: ${causeOf(error)}`, {
            cause: error,
          });
        }
        received.requests += 1;
        received.bytes += body.length;
        if (response.ok) return { body, etag: response.headers.get('etag') };
        throw refusal(path, response.status, body);
      },
      options.retry,
      {
        ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
        ...(options.onRetry === undefined ? {} : { onRetry: options.onRetry }),
      },
    );
  return {
    received,
    json: async <T>(path: string) => {
      const { body, etag } = await get(path);
      return { body: JSON.parse(body.toString('utf8')) as T, etag };
    },
    text: async (path) => (await get(path)).body.toString('utf8'),
  };
}

function refusal(path: string, status: number, body: Buffer): Error {
  const error = parseError(body);
  const said =
    error === null ? '' : `: [${error.code}] ${error.message}${error.hint ? ` (${error.hint})` : ''}`;
  const message = `the API answered ${status} to GET ${path.split('?')[0]}${said}`;
  if (status >= 500 || status === 429) return new TransientError('API_UNAVAILABLE', message);
  if (status === 401 || status === 403) return new TerminalError('API_AUTH', message);
  if (status === 404) return new TerminalError('API_NOT_FOUND', message);
  return new TerminalError('API_REFUSED', message);
}

function parseError(body: Buffer): { code: string; message: string; hint?: string } | null {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as {
      error?: { code: string; message: string; hint?: string };
    };
    return parsed.error ?? null;
  } catch {
    return null;
  }
}

function causeOf(error: unknown): string {
  const e = error as { message?: string; cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(error);
}
