import { MnsApiError } from './api-error.js';
import {
  NOTIFY_CONTENT_FORMATS,
  NOTIFY_STRATEGIES,
  type NotifyContentFormat,
  type NotifyStrategy,
  type SubscriptionState,
} from './model.js';
import { parseQueueEndpoint } from './push.js';
import {
  bodyFields,
  checkName,
  listPage,
  MAX_TAG_LENGTH,
  NO_CONTENT,
  type RouteContext,
  type RouteReply,
  type RouteRequest,
  seconds,
} from './route.js';
import { textField, xmlDocument } from './xml.js';

/**
 * Subscribe / Unsubscribe / GetSubscriptionAttributes / SetSubscriptionAttributes /
 * ListSubscriptionByTopic (https://www.alibabacloud.com/help/zh/mns/developer-reference/subscribe-2).
 * The SDK leaves these as empty stubs, so callers sign the requests themselves (see request.ts).
 */
export function handleSubscriptions(ctx: RouteContext, req: RouteRequest, topic: string): RouteReply {
  const name = req.segments[3];
  if (req.segments.length === 3 && req.method === 'GET') return listSubscriptions(ctx, req, topic);
  if (name !== undefined && req.segments.length === 4) {
    if (req.method === 'PUT') return putSubscription(ctx, req, topic, checkName(name, 'Subscription'));
    if (req.method === 'GET') return subscriptionAttributes(ctx, topic, name);
    if (req.method === 'DELETE') {
      ctx.store.unsubscribe(topic, name);
      ctx.store.save();
      return NO_CONTENT;
    }
  }
  throw MnsApiError.invalidUrl();
}

function listSubscriptions(ctx: RouteContext, req: RouteRequest, topic: string): RouteReply {
  ctx.store.topic(topic);
  const names = ctx.store.subscriptionsOf(topic).map((s) => s.name);
  const page = listPage(names, req.headers);
  const xml = xmlDocument('Subscriptions', {
    Subscription: page.names.map((n) => ({ SubscriptionURL: subscriptionUrl(ctx, topic, n) })),
    NextMarker: page.nextMarker,
  });
  return { status: 200, xml };
}

function putSubscription(ctx: RouteContext, req: RouteRequest, topic: string, name: string): RouteReply {
  const fields = bodyFields(req.body, 'Subscription');
  const now = seconds(ctx.now());
  if (req.query.metaoverride === 'true') {
    // SetSubscriptionAttributes may change only the retry strategy.
    const subscription = ctx.store.subscription(topic, name);
    subscription.notifyStrategy = choice(
      fields,
      'NotifyStrategy',
      NOTIFY_STRATEGIES,
      subscription.notifyStrategy,
    );
    subscription.lastModifyTime = now;
    ctx.store.save();
    return NO_CONTENT;
  }
  const subscription: SubscriptionState = {
    topic,
    name,
    endpoint: checkEndpoint(ctx, textField(fields, 'Endpoint')),
    notifyStrategy: choice<NotifyStrategy>(fields, 'NotifyStrategy', NOTIFY_STRATEGIES, 'BACKOFF_RETRY'),
    notifyContentFormat: choice<NotifyContentFormat>(
      fields,
      'NotifyContentFormat',
      NOTIFY_CONTENT_FORMATS,
      'XML',
    ),
    createTime: now,
    lastModifyTime: now,
  };
  const filterTag = textField(fields, 'FilterTag');
  if (filterTag !== undefined && filterTag !== '') {
    if (filterTag.length > MAX_TAG_LENGTH) {
      throw MnsApiError.invalidArgument(`The length of FilterTag should not exceed ${MAX_TAG_LENGTH}.`);
    }
    subscription.filterTag = filterTag;
  }
  if (ctx.store.subscribe(subscription) === 'unchanged') return NO_CONTENT;
  ctx.store.save();
  return { status: 201, headers: { location: subscriptionUrl(ctx, topic, name) } };
}

function subscriptionAttributes(ctx: RouteContext, topic: string, name: string): RouteReply {
  const s = ctx.store.subscription(topic, name);
  const xml = xmlDocument('Subscription', {
    SubscriptionName: s.name,
    Subscriber: ctx.accountId,
    TopicOwner: ctx.accountId,
    TopicName: s.topic,
    Endpoint: s.endpoint,
    NotifyStrategy: s.notifyStrategy,
    NotifyContentFormat: s.notifyContentFormat,
    FilterTag: s.filterTag,
    CreateTime: s.createTime,
    LastModifyTime: s.lastModifyTime,
  });
  return { status: 200, xml };
}

/** HTTP(S) URLs, this account's queues in this region, and mail/SMS endpoints (accepted, not delivered). */
function checkEndpoint(ctx: RouteContext, endpoint: string | undefined): string {
  const value = endpoint?.trim() ?? '';
  if (/^https?:\/\/[^/?#\s]+/.test(value)) return value;
  const queue = parseQueueEndpoint(value);
  if (queue !== undefined) {
    if (queue.region !== ctx.region || queue.accountId !== ctx.accountId) {
      throw MnsApiError.invalidArgument(
        `The queue endpoint must be acs:mns:${ctx.region}:${ctx.accountId}:queues/<name>.`,
      );
    }
    return value;
  }
  if (/^(mail:directmail:|sms:directsms:)\S+$/.test(value)) return value;
  throw MnsApiError.invalidArgument('The Endpoint you provided is not valid.');
}

function choice<T extends string>(
  fields: Record<string, unknown>,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = textField(fields, name)?.trim();
  if (value === undefined || value === '') return fallback;
  const found = allowed.find((option) => option === value);
  if (found === undefined) {
    throw MnsApiError.invalidArgument(`The value of ${name} should be one of ${allowed.join(', ')}.`);
  }
  return found;
}

function subscriptionUrl(ctx: RouteContext, topic: string, name: string): string {
  return `${ctx.url}/topics/${topic}/subscriptions/${name}`;
}
