import { timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import type { ChatRobot } from '../../adapters/chat/robots.js';
import { isTransient } from '../../core/errors.js';
import type { MessageBody } from '../../core/incident-message.js';
import type { Logger } from '../../core/logger.js';
import { checkWith } from '../../core/schema.js';

/** FC 3.0 HTTP trigger event (https://help.aliyun.com/zh/functioncompute/fc-3-0/user-guide/http-trigger-invoking-function). */
const HTTP_EVENT = z.looseObject({
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
  queryParameters: z.record(z.string(), z.string()).optional(),
  requestContext: z.looseObject({ http: z.looseObject({ method: z.string() }) }),
});

/** What the relay needs of a message (docs/monitor.md, "Message format"). */
const MESSAGE = z.looseObject({
  summary: z.string(),
  severity: z.string(),
  transition: z.string(),
  what: z.array(z.string()),
  where: z.record(z.string(), z.string()),
  whatToDo: z.array(z.string()),
});

export interface RelayDeps {
  robots: ChatRobot[];
  /** RELAY_TOKEN: the subscription URL carries it as ?token=…; empty: no check */
  token: string | undefined;
  logger: Logger;
}

export interface HttpReply {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * One MNS HTTP push (a SIMPLIFIED subscription: the body is the message) forwarded to every configured chat robot.
 * 204 when all took it; 502 when one could not be reached (MNS pushes again later); a robot that refuses the message
 * (a wrong token, a keyword rule) is logged, and not retried forever.
 */
export async function relay(deps: RelayDeps, event: Buffer): Promise<HttpReply> {
  const http = checkWith(HTTP_EVENT, JSON.parse(event.toString('utf8')), 'EVENT');
  if (!http.ok) return reply(400, 'not an HTTP trigger event');
  const e = http.value;
  if (e.requestContext.http.method !== 'POST') return reply(405, 'POST a message');
  if (deps.token !== undefined && !same(e.queryParameters?.token ?? '', deps.token))
    return reply(403, 'token');
  const text =
    e.isBase64Encoded === true ? Buffer.from(e.body ?? '', 'base64').toString('utf8') : (e.body ?? '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return reply(400, 'the body is not JSON');
  }
  const message = checkWith(MESSAGE, parsed, 'MESSAGE');
  if (!message.ok) return reply(400, JSON.stringify(message.problems));
  let retry = false;
  for (const robot of deps.robots) {
    try {
      await robot.send(message.value as unknown as MessageBody);
      deps.logger.info('relayed', { robot: robot.name, summary: message.value.summary });
    } catch (error) {
      retry ||= isTransient(error);
      deps.logger.error('relay failed', { robot: robot.name, error });
    }
  }
  return retry
    ? reply(502, 'a robot could not be reached; push again')
    : { statusCode: 204, headers: {}, body: '' };
}

function reply(statusCode: number, body: string): HttpReply {
  return { statusCode, headers: { 'content-type': 'text/plain; charset=utf-8' }, body };
}

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
