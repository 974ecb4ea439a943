import { MnsApiError } from './api-error.js';
import type { QueueMessage, QueueState } from './model.js';
import { DEFAULT_PRIORITY } from './queue.js';
import { bodyFields, NO_CONTENT, type RouteContext, type RouteReply, type RouteRequest } from './route.js';
import { checkInt, intField, isRecord, parseXmlBody, textField, type XmlFields, xmlDocument } from './xml.js';

/** Batch operations take at most 16 messages (BatchSendMessage / BatchReceiveMessage docs). */
const MAX_BATCH = 16;

/** SendMessage, BatchSendMessage, (Batch)ReceiveMessage, (Batch)PeekMessage, (Batch)DeleteMessage, ChangeMessageVisibility. */
export function handleQueueMessages(
  ctx: RouteContext,
  req: RouteRequest,
  name: string,
): RouteReply | Promise<RouteReply> {
  const queue = ctx.store.queue(name);
  switch (req.method) {
    case 'POST':
      return send(ctx, req, queue);
    case 'GET':
      return req.query.peekonly === 'true' ? peek(ctx, req, queue) : receive(ctx, req, queue);
    case 'DELETE':
      return req.query.receipthandle === undefined
        ? batchDelete(ctx, req, queue)
        : deleteOne(ctx, req, queue);
    case 'PUT':
      return changeVisibility(ctx, req, queue);
    default:
      throw MnsApiError.invalidUrl();
  }
}

function send(ctx: RouteContext, req: RouteRequest, queue: QueueState): RouteReply {
  if (req.body.trim() === '') throw MnsApiError.malformedXml();
  const { root, fields } = parseXmlBody(req.body);
  if (root === 'Message') {
    const message = sendOne(ctx, queue, fields);
    ctx.store.save();
    return { status: 201, xml: xmlDocument('Message', sent(message)) };
  }
  if (root !== 'Messages') throw MnsApiError.invalidArgument('The XML you provided did not validate.');
  const items = [fields.Message ?? []].flat();
  if (items.length < 1 || items.length > MAX_BATCH) throw MnsApiError.outOfRange('Messages', 1, MAX_BATCH);
  const messages = items.map((item) => sendOne(ctx, queue, isRecord(item) ? item : {}));
  ctx.store.save();
  return { status: 201, xml: xmlDocument('Messages', { Message: messages.map(sent) }) };
}

function sendOne(ctx: RouteContext, queue: QueueState, fields: Record<string, unknown>): QueueMessage {
  const body = textField(fields, 'MessageBody') ?? '';
  const size = Buffer.byteLength(body, 'utf8');
  if (size < 1 || size > queue.maximumMessageSize) {
    throw MnsApiError.outOfRange('MessageBody', 1, queue.maximumMessageSize);
  }
  const delaySeconds = intField(fields, 'DelaySeconds', {
    low: 0,
    high: 604800,
    fallback: queue.delaySeconds,
  });
  const priority = intField(fields, 'Priority', { low: 1, high: 16, fallback: DEFAULT_PRIORITY });
  return ctx.broker.send(queue, { body, delaySeconds, priority });
}

function sent(message: QueueMessage): XmlFields {
  return { MessageId: message.messageId, MessageBodyMD5: message.bodyMd5 };
}

/** `numOfMessages` switches to the batch form; an empty answer is 404 MessageNotExist (ReceiveMessage doc). */
async function receive(ctx: RouteContext, req: RouteRequest, queue: QueueState): Promise<RouteReply> {
  const batch = req.query.numofmessages !== undefined;
  const count = batch
    ? checkInt('numOfMessages', req.query.numofmessages ?? '', { low: 1, high: MAX_BATCH })
    : 1;
  const waitText = req.query.waitseconds;
  const wait =
    waitText === undefined
      ? queue.pollingWaitSeconds
      : checkInt('waitseconds', waitText, { low: 0, high: 30 });
  const messages = await ctx.broker.receive(queue.name, count, wait * 1000);
  if (messages.length === 0) throw MnsApiError.messageNotExist();
  ctx.store.save();
  const view = (m: QueueMessage): XmlFields => ({
    MessageId: m.messageId,
    ReceiptHandle: m.receiptHandle,
    MessageBodyMD5: m.bodyMd5,
    MessageBody: m.body,
    EnqueueTime: m.enqueueTime,
    NextVisibleTime: m.nextVisibleTime,
    FirstDequeueTime: m.firstDequeueTime ?? m.enqueueTime,
    DequeueCount: m.dequeueCount,
    Priority: m.priority,
  });
  return reply(batch, messages.map(view));
}

function peek(ctx: RouteContext, req: RouteRequest, queue: QueueState): RouteReply {
  const batch = req.query.numofmessages !== undefined;
  const count = batch
    ? checkInt('numOfMessages', req.query.numofmessages ?? '', { low: 1, high: MAX_BATCH })
    : 1;
  const messages = ctx.broker.peek(queue, count);
  if (messages.length === 0) throw MnsApiError.messageNotExist();
  const view = (m: QueueMessage): XmlFields => ({
    MessageId: m.messageId,
    MessageBodyMD5: m.bodyMd5,
    MessageBody: m.body,
    EnqueueTime: m.enqueueTime,
    FirstDequeueTime: m.firstDequeueTime ?? m.enqueueTime,
    DequeueCount: m.dequeueCount,
    Priority: m.priority,
  });
  return reply(batch, messages.map(view));
}

function reply(batch: boolean, views: XmlFields[]): RouteReply {
  const xml = batch ? xmlDocument('Messages', { Message: views }) : xmlDocument('Message', views[0] ?? {});
  return { status: 200, xml };
}

function deleteOne(ctx: RouteContext, req: RouteRequest, queue: QueueState): RouteReply {
  const handle = req.query.receipthandle ?? '';
  if (handle === '') throw new MnsApiError(400, 'MissingReceiptHandle', 'ReceiptHandle is required.');
  ctx.broker.delete(queue, handle);
  ctx.store.save();
  return NO_CONTENT;
}

/** BatchDeleteMessage: 204 when all went, else 404 with one <Error> per failed handle. */
function batchDelete(ctx: RouteContext, req: RouteRequest, queue: QueueState): RouteReply {
  const fields = bodyFields(req.body, 'ReceiptHandles');
  const handles = [fields.ReceiptHandle ?? []].flat().filter((h): h is string => typeof h === 'string');
  if (handles.length < 1 || handles.length > MAX_BATCH) {
    throw new MnsApiError(400, 'MissingReceiptHandle', 'ReceiptHandle is required.');
  }
  const errors: XmlFields[] = [];
  for (const handle of handles) {
    try {
      ctx.broker.delete(queue, handle);
    } catch (error) {
      if (!(error instanceof MnsApiError)) throw error;
      errors.push({ ErrorCode: error.code, ErrorMessage: error.message, ReceiptHandle: handle });
    }
  }
  ctx.store.save();
  if (errors.length === 0) return NO_CONTENT;
  return { status: 404, xml: xmlDocument('Errors', { Error: errors }) };
}

function changeVisibility(ctx: RouteContext, req: RouteRequest, queue: QueueState): RouteReply {
  const handle = req.query.receipthandle ?? '';
  if (handle === '') throw new MnsApiError(400, 'MissingReceiptHandle', 'ReceiptHandle is required.');
  const timeout = req.query.visibilitytimeout;
  if (timeout === undefined) {
    throw new MnsApiError(400, 'MissingVisibilityTimeout', 'VisibilityTimeout is required.');
  }
  const message = ctx.broker.changeVisibility(
    queue,
    handle,
    checkInt('VisibilityTimeout', timeout, { low: 1, high: 43200 }),
  );
  ctx.store.save();
  const xml = xmlDocument('ChangeVisibility', {
    ReceiptHandle: message.receiptHandle,
    NextVisibleTime: message.nextVisibleTime,
  });
  return { status: 200, xml };
}
