import type { Context } from 'hono';
import type { ApiEnv } from './deps.js';
import { HttpError } from './http-error.js';

/** The JSON body of a management call: application/json, at most 1 MiB, parsed. */
export async function jsonBody(c: Context<ApiEnv>): Promise<unknown> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the body as Content-Type: application/json');
  }
  const text = await c.req.text();
  if (text.length > 1_048_576) throw new HttpError(413, 'BODY_TOO_LARGE', 'the body is over 1 MiB');
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'BODY_NOT_JSON', 'the body is not valid JSON');
  }
}
