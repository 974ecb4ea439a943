import { readFileSync } from 'node:fs';
import type { Env } from '../core/config-reader.js';
import { TerminalError, TransientError } from '../core/errors.js';
import { UsageError } from './exit-codes.js';

/** Where the HTTP API is and the token to call it with (docs/agent.md, "Reading back"). */
export interface ApiTarget {
  baseUrl: string;
  token: string;
}

/**
 * The API's address and token: flags over QLIB_SYNC_API_URL / QLIB_SYNC_API_TOKEN; a token file (--token-file,
 * QLIB_SYNC_API_TOKEN_FILE) keeps the token out of the shell's history and `ps`. No database credentials: a
 * training node needs only a token with read:data (`npm run token -- create --name node1 --scope read:data`).
 */
export function apiTargetOf(flags: { apiUrl?: string; tokenFile?: string }, env: Env): ApiTarget {
  const url = flags.apiUrl ?? env.QLIB_SYNC_API_URL;
  if (url === undefined || url === '') {
    throw new UsageError('say where the API is: --api-url https://… or QLIB_SYNC_API_URL');
  }
  if (!/^https?:\/\/[^/]+/.test(url)) throw new UsageError(`--api-url ${url} is not an http(s) URL`);
  const file = flags.tokenFile ?? env.QLIB_SYNC_API_TOKEN_FILE;
  let token = env.QLIB_SYNC_API_TOKEN;
  if (file !== undefined && file !== '') {
    try {
      token = readFileSync(file, 'utf8').trim();
    } catch (error) {
      throw new TerminalError('CREDENTIALS_TOKEN_FILE', `cannot read the token file ${file}`, {
        cause: error,
      });
    }
  }
  if (token === undefined || token === '') {
    throw new TerminalError(
      'CREDENTIALS_TOKEN_MISSING',
      'no API token: set QLIB_SYNC_API_TOKEN or give --token-file (a token with the read:data scope)',
    );
  }
  return { baseUrl: url.replace(/\/+$/, ''), token };
}

/** What GET answered: the body as text, and the headers. */
export interface ApiAnswer {
  text: string;
  headers: Headers;
}

/**
 * GET one path of the API with the bearer token. Answers other than 2xx become errors the CLI's one catch maps to
 * exit codes (agent/exit-codes.ts): 401/403 config (the token), 404/409 usage (what the command names), 5xx and
 * an unreachable host unavailable; the API's own message and hint are kept.
 */
export async function apiGet(
  target: ApiTarget,
  path: string,
  fetchImpl: typeof fetch = fetch,
): Promise<ApiAnswer> {
  let response: Response;
  try {
    response = await fetchImpl(`${target.baseUrl}${path}`, {
      headers: { authorization: `Bearer ${target.token}`, accept: 'application/json, text/yaml' },
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    throw new TransientError('API_UNREACHABLE', `the API at ${target.baseUrl} did not answer`, {
      cause: error,
    });
  }
  const text = await response.text();
  if (response.ok) return { text, headers: response.headers };
  const { message, hint } = errorOf(text, response.status);
  const said = hint === undefined ? message : `${message} (${hint})`;
  switch (response.status) {
    case 401:
      throw new TerminalError('CREDENTIALS_API_TOKEN', `the API refused the token: ${said}`);
    case 403:
      throw new TerminalError('CREDENTIALS_API_SCOPE', `the token may not do this: ${said}`);
    case 404:
    case 409:
      // The command line names nothing, or more than one thing: a usage problem the person fixes.
      throw new UsageError(said);
    default:
      if (response.status >= 500) throw new TransientError('API_UNAVAILABLE', `the API failed: ${said}`);
      throw new TerminalError('API_REFUSED', `the API answered ${response.status}: ${said}`);
  }
}

function errorOf(text: string, status: number): { message: string; hint?: string } {
  try {
    const body = JSON.parse(text) as { error?: { message?: string; hint?: string } };
    if (typeof body.error?.message === 'string') {
      return body.error.hint === undefined
        ? { message: body.error.message }
        : { message: body.error.message, hint: body.error.hint };
    }
  } catch {
    // not JSON: a proxy's or gateway's page
  }
  return { message: `HTTP ${status}` };
}
