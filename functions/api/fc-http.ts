import * as z from 'zod';
import { checkWith } from '../../core/schema.js';

/**
 * FC 3.0's HTTP trigger event ⇄ a Web Request/Response, so an ordinary web framework (Hono) can serve it. The
 * event is a Buffer of JSON (https://help.aliyun.com/zh/functioncompute/fc-3-0/user-guide/http-trigger-invoking-function;
 * sample: devsapp/fc3 src/subCommands/trigger-template/event-template/http.json): `rawPath` is URL-encoded, a
 * header or query key given several times arrives as one value joined by commas, and a binary body arrives in
 * base64 with `isBase64Encoded`. The function answers `{statusCode, headers, isBase64Encoded, body}`.
 */
const HttpEvent = z.object({
  rawPath: z.string().startsWith('/'),
  headers: z.record(z.string(), z.string()).default({}),
  queryParameters: z.record(z.string(), z.string()).default({}),
  body: z.string().default(''),
  isBase64Encoded: z.boolean().default(false),
  requestContext: z.object({
    requestId: z.string().optional(),
    domainName: z.string().optional(),
    http: z.object({ method: z.string().min(1), sourceIp: z.string().optional() }),
  }),
});

export interface FcHttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  isBase64Encoded: boolean;
  body: string;
}

/** The Web Request an HTTP-trigger event describes, or the problems that make it not one. */
export function requestOf(event: Buffer): { ok: Request } | { error: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(event.toString('utf8'));
  } catch {
    return { error: 'the event is not JSON' };
  }
  const checked = checkWith(HttpEvent, doc, 'HTTP_EVENT');
  if (!checked.ok) return { error: checked.problems.map((p) => `${p.path} ${p.message}`).join('; ') };
  const e = checked.value;
  const method = e.requestContext.http.method.toUpperCase();
  const query = new URLSearchParams(e.queryParameters).toString();
  const hostHeader = Object.entries(e.headers).find(([name]) => name.toLowerCase() === 'host')?.[1];
  const host = hostHeader ?? e.requestContext.domainName ?? 'localhost';
  const url = `https://${host}${e.rawPath}${query === '' ? '' : `?${query}`}`;
  const headers = new Headers();
  for (const [name, value] of Object.entries(e.headers)) headers.set(name, value);
  const hasBody = method !== 'GET' && method !== 'HEAD' && e.body !== '';
  const body = hasBody ? Buffer.from(e.body, e.isBase64Encoded ? 'base64' : 'utf8') : undefined;
  return { ok: new Request(url, { method, headers, body }) };
}

/**
 * A Response whose body is already the text FC returns. A values page is up to API_PAGE_BYTES (8 MiB): the
 * handler hands `bodyText` to FC as it is instead of copying it through a stream, an ArrayBuffer and a decode.
 * Any other reader still gets the body as a stream (pulled only when read).
 */
export class TextBodyResponse extends Response {
  constructor(
    readonly bodyText: string,
    init: ResponseInit,
  ) {
    const stream = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          controller.enqueue(Buffer.from(bodyText, 'utf8'));
          controller.close();
        },
      },
      { highWaterMark: 0 },
    );
    super(stream, init);
  }
}

const TEXT =
  /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|image\/svg\+xml|[^;]*\+(json|xml))/i;

/** The FC answer for a Web Response: text bodies as text, anything else in base64. */
export async function fcResponseOf(response: Response): Promise<FcHttpResponse> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  if (response instanceof TextBodyResponse) {
    return { statusCode: response.status, headers, isBase64Encoded: false, body: response.bodyText };
  }
  const bytes = Buffer.from(await response.arrayBuffer());
  const text = bytes.length === 0 || TEXT.test(response.headers.get('content-type') ?? '');
  return {
    statusCode: response.status,
    headers,
    isBase64Encoded: !text,
    body: bytes.toString(text ? 'utf8' : 'base64'),
  };
}
