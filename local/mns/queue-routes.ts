import { MnsApiError } from './api-error.js';
import { handleQueueMessages } from './message-routes.js';
import type { QueueAttributes, QueueState } from './model.js';
import {
  bodyFields,
  boolField,
  checkName,
  formatBool,
  listPage,
  NO_CONTENT,
  type RouteContext,
  type RouteReply,
  type RouteRequest,
  seconds,
} from './route.js';
import { intField, xmlDocument } from './xml.js';

/** Ranges and defaults of the queue attributes (CreateQueue doc). */
const LIMITS = {
  DelaySeconds: { low: 0, high: 604800, fallback: 0 },
  MaximumMessageSize: { low: 1024, high: 65536, fallback: 65536 },
  MessageRetentionPeriod: { low: 60, high: 604800, fallback: 345600 },
  VisibilityTimeout: { low: 1, high: 43200, fallback: 30 },
  PollingWaitSeconds: { low: 0, high: 30, fallback: 0 },
} as const;

/** /queues, /queues/<q> and /queues/<q>/messages. */
export function handleQueues(ctx: RouteContext, req: RouteRequest): RouteReply | Promise<RouteReply> {
  const [, name, child] = req.segments;
  if (name === undefined) {
    if (req.method === 'GET') return listQueues(ctx, req);
  } else if (child === undefined) {
    if (req.method === 'PUT') return putQueue(ctx, req, checkName(name, 'Queue'));
    if (req.method === 'GET') return queueAttributes(ctx, name);
    if (req.method === 'DELETE') {
      ctx.store.deleteQueue(name);
      ctx.store.save();
      return NO_CONTENT;
    }
  } else if (child === 'messages' && req.segments.length === 3) {
    return handleQueueMessages(ctx, req, name);
  }
  throw MnsApiError.invalidUrl();
}

function listQueues(ctx: RouteContext, req: RouteRequest): RouteReply {
  const page = listPage(Object.keys(ctx.store.state.queues), req.headers);
  const xml = xmlDocument('Queues', {
    Queue: page.names.map((n) => ({ QueueURL: `${ctx.url}/queues/${n}` })),
    NextMarker: page.nextMarker,
  });
  return { status: 200, xml };
}

function readAttributes(fields: Record<string, unknown>, current?: QueueAttributes): QueueAttributes {
  const int = (name: keyof typeof LIMITS, key: keyof QueueAttributes): number =>
    intField(fields, name, {
      ...LIMITS[name],
      fallback: (current?.[key] as number) ?? LIMITS[name].fallback,
    });
  return {
    delaySeconds: int('DelaySeconds', 'delaySeconds'),
    maximumMessageSize: int('MaximumMessageSize', 'maximumMessageSize'),
    messageRetentionPeriod: int('MessageRetentionPeriod', 'messageRetentionPeriod'),
    visibilityTimeout: int('VisibilityTimeout', 'visibilityTimeout'),
    pollingWaitSeconds: int('PollingWaitSeconds', 'pollingWaitSeconds'),
    loggingEnabled: boolField(fields, 'LoggingEnabled', current?.loggingEnabled ?? false),
  };
}

/** CreateQueue (201 new, 204 identical, 409 different), or SetQueueAttributes with `?metaoverride=true`. */
function putQueue(ctx: RouteContext, req: RouteRequest, name: string): RouteReply {
  const fields = bodyFields(req.body, 'Queue');
  const now = seconds(ctx.now());
  if (req.query.metaoverride === 'true') {
    const queue = ctx.store.queue(name);
    Object.assign(queue, readAttributes(fields, queue), { lastModifyTime: now });
    ctx.store.save();
    return NO_CONTENT;
  }
  const queue: QueueState = {
    name,
    createTime: now,
    lastModifyTime: now,
    ...readAttributes(fields),
    messages: [],
  };
  if (ctx.store.createQueue(queue) === 'unchanged') return NO_CONTENT;
  ctx.store.save();
  return { status: 201, headers: { location: `${ctx.url}/queues/${name}` } };
}

function queueAttributes(ctx: RouteContext, name: string): RouteReply {
  const queue = ctx.store.queue(name);
  const counts = ctx.broker.counts(queue);
  const xml = xmlDocument('Queue', {
    QueueName: queue.name,
    CreateTime: queue.createTime,
    LastModifyTime: queue.lastModifyTime,
    DelaySeconds: queue.delaySeconds,
    MaximumMessageSize: queue.maximumMessageSize,
    MessageRetentionPeriod: queue.messageRetentionPeriod,
    VisibilityTimeout: queue.visibilityTimeout,
    PollingWaitSeconds: queue.pollingWaitSeconds,
    ActiveMessages: counts.active,
    InactiveMessages: counts.inactive,
    DelayMessages: counts.delayed,
    LoggingEnabled: formatBool(queue.loggingEnabled),
  });
  return { status: 200, xml };
}
