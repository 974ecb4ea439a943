import { MnsApiError } from './api-error.js';
import type { PublishedMessage, TopicState } from './model.js';
import {
  bodyFields,
  boolField,
  checkName,
  formatBool,
  listPage,
  MAX_TAG_LENGTH,
  NO_CONTENT,
  type RouteContext,
  type RouteReply,
  type RouteRequest,
  seconds,
} from './route.js';
import { bodyMd5 } from './signature.js';
import { handleSubscriptions } from './subscription-routes.js';
import { intField, textField, xmlDocument } from './xml.js';

const MESSAGE_SIZE = { low: 1024, high: 65536, fallback: 65536 };
/** Topic messages are kept one day (GetTopicAttributes doc); reported, not enforced. */
const TOPIC_RETENTION_SECONDS = 86400;

/** /topics, /topics/<t>, /topics/<t>/messages and /topics/<t>/subscriptions[/<s>]. */
export function handleTopics(ctx: RouteContext, req: RouteRequest): RouteReply {
  const [, name, child] = req.segments;
  if (name === undefined) {
    if (req.method === 'GET') return listTopics(ctx, req);
  } else if (child === undefined) {
    if (req.method === 'PUT') return putTopic(ctx, req, checkName(name, 'Topic'));
    if (req.method === 'GET') return topicAttributes(ctx, name);
    if (req.method === 'DELETE') {
      ctx.store.deleteTopic(name);
      ctx.store.save();
      return NO_CONTENT;
    }
  } else if (child === 'messages' && req.segments.length === 3) {
    if (req.method === 'POST') return publish(ctx, req, name);
  } else if (child === 'subscriptions') {
    return handleSubscriptions(ctx, req, name);
  }
  throw MnsApiError.invalidUrl();
}

function listTopics(ctx: RouteContext, req: RouteRequest): RouteReply {
  const page = listPage(Object.keys(ctx.store.state.topics), req.headers);
  const xml = xmlDocument('Topics', {
    Topic: page.names.map((n) => ({ TopicURL: `${ctx.url}/topics/${n}` })),
    NextMarker: page.nextMarker,
  });
  return { status: 200, xml };
}

/** CreateTopic, or SetTopicAttributes with `?metaoverride=true`. */
function putTopic(ctx: RouteContext, req: RouteRequest, name: string): RouteReply {
  const fields = bodyFields(req.body, 'Topic');
  const now = seconds(ctx.now());
  if (req.query.metaoverride === 'true') {
    const topic = ctx.store.topic(name);
    topic.maximumMessageSize = intField(fields, 'MaximumMessageSize', {
      ...MESSAGE_SIZE,
      fallback: topic.maximumMessageSize,
    });
    topic.loggingEnabled = boolField(fields, 'LoggingEnabled', topic.loggingEnabled);
    topic.lastModifyTime = now;
    ctx.store.save();
    return NO_CONTENT;
  }
  const topic: TopicState = {
    name,
    createTime: now,
    lastModifyTime: now,
    maximumMessageSize: intField(fields, 'MaximumMessageSize', MESSAGE_SIZE),
    loggingEnabled: boolField(fields, 'LoggingEnabled', false),
  };
  if (ctx.store.createTopic(topic) === 'unchanged') return NO_CONTENT;
  ctx.store.save();
  return { status: 201, headers: { location: `${ctx.url}/topics/${name}` } };
}

function topicAttributes(ctx: RouteContext, name: string): RouteReply {
  const topic = ctx.store.topic(name);
  const xml = xmlDocument('Topic', {
    TopicName: topic.name,
    CreateTime: topic.createTime,
    LastModifyTime: topic.lastModifyTime,
    MaximumMessageSize: topic.maximumMessageSize,
    MessageRetentionPeriod: TOPIC_RETENTION_SECONDS,
    MessageCount: ctx.store.state.published[name]?.length ?? 0,
    LoggingEnabled: formatBool(topic.loggingEnabled),
  });
  return { status: 200, xml };
}

/** PublishMessage: 201 with MessageId and the upper-case hex MD5 of the body (https://www.alibabacloud.com/help/en/mns/developer-reference/api-mns-2015-06-06-dir). */
function publish(ctx: RouteContext, req: RouteRequest, topicName: string): RouteReply {
  const topic = ctx.store.topic(topicName);
  const fields = bodyFields(req.body, 'Message');
  const body = textField(fields, 'MessageBody') ?? '';
  const size = Buffer.byteLength(body, 'utf8');
  if (size < 1 || size > topic.maximumMessageSize) {
    throw MnsApiError.outOfRange('MessageBody', 1, topic.maximumMessageSize);
  }
  const tag = textField(fields, 'MessageTag');
  if (tag !== undefined && tag.length > MAX_TAG_LENGTH) {
    throw MnsApiError.invalidArgument(`The length of MessageTag should not exceed ${MAX_TAG_LENGTH}.`);
  }
  const now = ctx.now();
  const message: PublishedMessage = {
    topic: topicName,
    messageId: ctx.ids.next(now),
    body,
    publishedAt: new Date(now).toISOString(),
  };
  if (tag !== undefined && tag !== '') message.tag = tag;
  if (fields.MessageAttributes !== undefined) message.attributes = fields.MessageAttributes;
  ctx.store.recordPublish(message);
  ctx.store.save();
  ctx.published(message);
  ctx.pusher.dispatch(message);
  const xml = xmlDocument('Message', { MessageId: message.messageId, MessageBodyMD5: bodyMd5(body) });
  return { status: 201, xml };
}
