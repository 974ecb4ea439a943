import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../core/logger.js';
import type { FunctionSpec, TriggerSpec } from './function-spec.js';
import { httpEvent, httpReply } from './http-event.js';
import type { InvokeResult } from './invocation.js';

export interface HttpRule {
  fn: string;
  region: string;
  triggerName: string;
  triggerId: string;
  /** allowed methods; empty: any */
  methods: string[];
  authType: string;
}

export function httpRule(spec: FunctionSpec, trigger: TriggerSpec): HttpRule {
  const c = trigger.triggerConfig;
  return {
    fn: spec.name,
    region: spec.region,
    triggerName: trigger.triggerName,
    triggerId: randomUUID(),
    methods: Array.isArray(c.methods) ? c.methods.map((m) => String(m).toUpperCase()) : [],
    authType: typeof c.authType === 'string' ? c.authType : 'anonymous',
  };
}

export interface HttpTriggerDeps {
  host: string;
  accountId: string;
  now: () => Date;
  /** a synchronous invocation with a given requestId (the event carries it) */
  invoke: (fn: string, payload: Buffer, requestId: string) => Promise<InvokeResult>;
  logger: Logger;
}

export interface HttpTrigger {
  url: string;
  close(): Promise<void>;
}

/**
 * One listener per function with an http trigger (its own ephemeral port, standing in for the
 * function URL). Methods outside `methods` get 405. Only authType anonymous is emulated in full: for
 * function/jwt a request without an Authorization header gets 401, and a present one is not verified.
 */
export async function startHttpTrigger(rule: HttpRule, deps: HttpTriggerDeps): Promise<HttpTrigger> {
  const server = createServer((req, res) => {
    void serve(rule, deps, req, res).catch((error: unknown) => {
      deps.logger.error('fc http trigger failed', { fn: rule.fn, error });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  // Node's default keep-alive of 5 s lets a client that was busy longer (a test verifying an 8 MiB page in the
  // same process) reuse a socket the server is closing: ECONNRESET. A gateway keeps idle connections longer.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, deps.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${deps.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serve(rule: HttpRule, deps: HttpTriggerDeps, req: IncomingMessage, res: ServerResponse) {
  const body = await readBody(req);
  const method = req.method ?? 'GET';
  if (rule.methods.length > 0 && !rule.methods.includes(method)) {
    return refuse(res, 405, 'MethodNotAllowed', `method ${method} is not allowed by ${rule.triggerName}`);
  }
  if (rule.authType !== 'anonymous' && req.headers.authorization === undefined) {
    return refuse(res, 401, 'Unauthorized', `${rule.triggerName} requires ${rule.authType} authentication`);
  }
  const requestId = randomUUID();
  const event = httpEvent(req, body, {
    accountId: deps.accountId,
    region: rule.region,
    requestId,
    triggerId: rule.triggerId,
    now: deps.now(),
  });
  const reply = httpReply(await deps.invoke(rule.fn, event, requestId));
  res.writeHead(reply.status, reply.headers);
  res.end(reply.body);
}

function refuse(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ErrorCode: code, ErrorMessage: message }));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
