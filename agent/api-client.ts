import { readFileSync } from 'node:fs';
import type { Env } from '../core/config-reader.js';
import { ConfigError, type Problem, TerminalError, TransientError } from '../core/errors.js';
import { type RetryPolicy, withRetry } from './retry.js';

/** Where the HTTP API is and the token to call it with (docs/agent.md, "pull" and "configs"). */
export interface ApiTarget {
  base: string;
  token: string;
}

/**
 * The API's address and token: --api-url over QLIB_SYNC_API_URL; the token from a file (--token-file,
 * QLIB_SYNC_API_TOKEN_FILE: out of the shell's history and `ps`) or QLIB_SYNC_API_TOKEN. No database or OSS
 * credentials: a training node needs only a token with read:data (`npm run token -- create --scope read:data`).
 * Every problem is reported at once (exit 3, configuration).
 */
export function apiTargetOf(flags: { apiUrl?: string; tokenFile?: string }, env: Env): ApiTarget {
  const base = flags.apiUrl ?? env.QLIB_SYNC_API_URL;
  const file = flags.tokenFile ?? env.QLIB_SYNC_API_TOKEN_FILE;
  const problems: Problem[] = [];
  if (base === undefined || !/^https?:\/\/[^/]+/.test(base))
    problems.push({
      code: 'API_URL',
      path: '$.apiUrl',
      message: "set --api-url or QLIB_SYNC_API_URL to the API's http(s) URL (the HTTP trigger's URL)",
    });
  let token = env.QLIB_SYNC_API_TOKEN;
  if (file !== undefined && file !== '') {
    try {
      token = readFileSync(file, 'utf8');
    } catch (error) {
      problems.push({
        code: 'API_TOKEN',
        path: '$.tokenFile',
        message: `cannot read ${file}: ${(error as Error).message}`,
      });
    }
  }
  if (problems.every((p) => p.path !== '$.tokenFile') && (token === undefined || token.trim() === ''))
    problems.push({
      code: 'API_TOKEN',
      path: '$.token',
      message:
        'set QLIB_SYNC_API_TOKEN or --token-file (a token with read:data: npm run token -- create --scope read:data)',
    });
  if (problems.length > 0) throw new ConfigError(problems);
  return { base: (base as string).replace(/\/+$/, ''), token: (token as string).trim() };
}

/** The HTTP API (docs/api.md) as the agent reads it, with the bytes it received. */
export interface ApiSource {
  json<T>(path: string): Promise<{ body: T; etag: string | null }>;
  text(path: string): Promise<string>;
  readonly received: { bytes: number; requests: number };
}

export interface ApiClientOptions extends ApiTarget {
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
