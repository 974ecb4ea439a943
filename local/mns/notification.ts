import type { PublishedMessage, SubscriptionState } from './model.js';
import { bodyMd5 } from './signature.js';
import { xmlDocument } from './xml.js';

/** What one subscription receives for one published message. */
export interface Notification {
  body: string;
  contentType: string;
  /** extra x-mns-* headers of an HTTP push (SIMPLIFIED carries the id and tag in headers) */
  headers: Record<string, string>;
}

/**
 * The three NotifyContentFormat shapes (https://www.alibabacloud.com/help/doc-detail/27482.htm):
 * XML `<Notification>` and JSON carry the message plus its metadata (PublishTime in epoch ms, as text);
 * SIMPLIFIED is the message body unchanged, with the id and tag in x-mns-message-id / x-mns-message-tag
 * (HttpEndpoint doc 27498). MessageTag is left out when the message has none.
 */
export function formatNotification(
  subscription: SubscriptionState,
  message: PublishedMessage,
  accountId: string,
): Notification {
  const fields = {
    TopicOwner: accountId,
    TopicName: message.topic,
    Subscriber: accountId,
    SubscriptionName: subscription.name,
    MessageId: message.messageId,
    MessageMD5: bodyMd5(message.body),
    MessageTag: message.tag,
    Message: message.body,
    PublishTime: String(Date.parse(message.publishedAt)),
  };
  switch (subscription.notifyContentFormat) {
    case 'XML':
      return {
        body: xmlDocument('Notification', fields),
        contentType: 'text/xml;charset=utf-8',
        headers: {},
      };
    case 'JSON':
      return { body: JSON.stringify(fields), contentType: 'application/json;charset=utf-8', headers: {} };
    case 'SIMPLIFIED': {
      const headers: Record<string, string> = { 'x-mns-message-id': message.messageId };
      // A header value must be printable ASCII; a tag outside that is only in the body formats.
      if (message.tag !== undefined && /^[\x20-\x7e]*$/.test(message.tag)) {
        headers['x-mns-message-tag'] = message.tag;
      }
      return { body: message.body, contentType: 'text/plain;charset=utf-8', headers };
    }
  }
}
