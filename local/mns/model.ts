/** The local MNS's state, in the shapes the store persists as JSON (times: topic/queue in s, messages in ms). */

export interface PublishedMessage {
  topic: string;
  messageId: string;
  /** the MessageBody text as the publisher sent it (after XML entity decoding) */
  body: string;
  tag?: string;
  attributes?: unknown;
  publishedAt: string;
}

export interface TopicState {
  name: string;
  createTime: number;
  lastModifyTime: number;
  maximumMessageSize: number;
  loggingEnabled: boolean;
}

export const NOTIFY_STRATEGIES = ['BACKOFF_RETRY', 'EXPONENTIAL_DECAY_RETRY'] as const;
export type NotifyStrategy = (typeof NOTIFY_STRATEGIES)[number];
export const NOTIFY_CONTENT_FORMATS = ['XML', 'JSON', 'SIMPLIFIED'] as const;
export type NotifyContentFormat = (typeof NOTIFY_CONTENT_FORMATS)[number];

export interface SubscriptionState {
  topic: string;
  name: string;
  /** `http(s)://…`, `acs:mns:<region>:<account>:queues/<q>`, `mail:directmail:…` or `sms:directsms:…` */
  endpoint: string;
  filterTag?: string;
  notifyStrategy: NotifyStrategy;
  notifyContentFormat: NotifyContentFormat;
  createTime: number;
  lastModifyTime: number;
}

export interface QueueAttributes {
  delaySeconds: number;
  maximumMessageSize: number;
  messageRetentionPeriod: number;
  visibilityTimeout: number;
  pollingWaitSeconds: number;
  loggingEnabled: boolean;
}

export interface QueueMessage {
  messageId: string;
  body: string;
  bodyMd5: string;
  /** 1 (highest) … 16 */
  priority: number;
  enqueueTime: number;
  firstDequeueTime?: number;
  dequeueCount: number;
  nextVisibleTime: number;
  /** the handle of the latest receive; only it may delete or re-hide the message, and only until nextVisibleTime */
  receiptHandle?: string;
}

export interface QueueState extends QueueAttributes {
  name: string;
  createTime: number;
  lastModifyTime: number;
  messages: QueueMessage[];
}

export interface MnsState {
  topics: Record<string, TopicState>;
  /** keyed `<topic>/<subscription>` */
  subscriptions: Record<string, SubscriptionState>;
  queues: Record<string, QueueState>;
  /** every message ever published, per topic name, in order */
  published: Record<string, PublishedMessage[]>;
}
