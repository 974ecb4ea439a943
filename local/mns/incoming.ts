import type { IncomingMessage } from 'node:http';
import { MnsApiError } from './api-error.js';
import type { RouteRequest } from './route.js';

/** Generous for 16 messages of 64 KB each plus XML overhead. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** Query values are percent-decoded but `+` stays `+`: the SDK puts receipt handles in unencoded. */
export function routeRequest(
  method: string,
  resource: string,
  req: IncomingMessage,
  body: Buffer,
): RouteRequest {
  const [path = '/', queryText = ''] = resource.split('?', 2);
  const decode = (text: string): string => {
    try {
      return decodeURIComponent(text);
    } catch (error) {
      throw new MnsApiError(400, 'InvalidRequestURL', 'Http request URL format invalid.', { cause: error });
    }
  };
  const query: Record<string, string> = {};
  for (const pair of queryText.split('&').filter((p) => p !== '')) {
    const at = pair.indexOf('=');
    const key = at < 0 ? pair : pair.slice(0, at);
    query[decode(key).toLowerCase()] = at < 0 ? '' : decode(pair.slice(at + 1));
  }
  const segments = path
    .split('/')
    .filter((s) => s !== '')
    .map(decode);
  return { method, segments, query, headers: req.headers, body: body.toString('utf8') };
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(MnsApiError.invalidArgument(`The request body exceeds ${MAX_BODY_BYTES} bytes.`));
        req.destroy();
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
