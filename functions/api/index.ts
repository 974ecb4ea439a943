import type { FcContext } from '../fc-context.js';
import { createApp } from './app.js';
import { type FcHttpResponse, fcResponseOf, requestOf } from './fc-http.js';
import { apiDeps, releaseApiDeps } from './wiring.js';

const app = createApp();

/**
 * FC 3.0 handler for the HTTP trigger (s.yaml): the event (a Buffer of JSON) becomes a Web Request, the Hono
 * app answers it, and the Response goes back as FC's {statusCode, headers, isBase64Encoded, body}
 * (functions/api/fc-http.ts; docs/api.md).
 */
export const handler = async (event: Buffer, context: FcContext): Promise<FcHttpResponse> => {
  const deps = await apiDeps(context);
  const request = requestOf(event);
  if ('error' in request) {
    deps.logger.error('not an HTTP trigger event', { problem: request.error });
    const body = JSON.stringify({
      error: { code: 'BAD_EVENT', message: request.error, requestId: context.requestId },
    });
    return { statusCode: 400, headers: { 'content-type': 'application/json' }, isBase64Encoded: false, body };
  }
  const started = Date.now();
  const response = await app.fetch(request.ok, deps);
  const url = new URL(request.ok.url);
  deps.logger.info('request', {
    method: request.ok.method,
    path: url.pathname,
    httpStatus: response.status,
    ms: Date.now() - started,
  });
  return fcResponseOf(response);
};

/** FC 3.0 preStop hook (s.yaml instanceLifecycleConfig): runs before FC destroys an idle instance. */
export const preStop = async (context: Pick<FcContext, 'requestId'>): Promise<void> => {
  await releaseApiDeps(context.requestId);
};
