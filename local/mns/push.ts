import { type ClientRequest, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { newRequestId } from './ids.js';
import type { PublishedMessage, SubscriptionState } from './model.js';
import { formatNotification, type Notification } from './notification.js';
import type { PushSigner } from './push-signer.js';
import type { QueueBroker } from './queue.js';
import { contentMd5, type HeaderBag } from './signature.js';
import type { MnsStore } from './store.js';

/**
 * Retry of a failed push. `attempts` counts every try, the first included. The cloud's BACKOFF_RETRY
 * is 3 retries 10–20 s apart (https://www.alibabacloud.com/help/en/mns/user-guide/notifystrategy); EXPONENTIAL_DECAY_RETRY here doubles the delay each
 * time instead of running 176 retries over a day.
 */
export interface PushRetry {
  attempts: number;
  delayMs: number;
}

export const DEFAULT_PUSH_RETRY: PushRetry = { attempts: 4, delayMs: 10_000 };

/** An endpoint that does not answer 2xx within 5 s counts as failed (HttpEndpoint doc 27498). */
const PUSH_TIMEOUT_MS = 5_000;

export interface PusherOptions {
  store: MnsStore;
  broker: QueueBroker;
  signer: PushSigner;
  accountId: string;
  /** base64 of this goes into x-mns-signing-cert-url */
  signingCertUrl: string;
  retry: PushRetry;
}

/** Parses `acs:mns:<region>:<account>:queues/<name>`; undefined for any other endpoint. */
export function parseQueueEndpoint(
  endpoint: string,
): { region: string; accountId: string; queue: string } | undefined {
  const match = /^acs:mns:([^:]+):([^:]+):queues\/([^/]+)$/.exec(endpoint);
  if (match === null) return undefined;
  const [, region, accountId, queue] = match as unknown as [string, string, string, string];
  return { region, accountId, queue };
}

/** Delivers published messages to every matching subscription: HTTP endpoints and queues. */
export class Pusher {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<ClientRequest>();
  private closed = false;

  constructor(private readonly options: PusherOptions) {}

  /** Only messages whose MessageTag equals a subscription's FilterTag reach it (Subscribe doc). */
  dispatch(message: PublishedMessage): void {
    for (const subscription of this.options.store.subscriptionsOf(message.topic)) {
      if (subscription.filterTag !== undefined && subscription.filterTag !== message.tag) continue;
      void this.attempt(subscription, message, 1);
    }
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const request of this.inFlight) request.destroy();
  }

  private async attempt(
    subscription: SubscriptionState,
    message: PublishedMessage,
    attempt: number,
  ): Promise<void> {
    const key = `${subscription.topic}/${subscription.name}`;
    // An unsubscribed (or replaced) subscription gets no further retries.
    if (this.closed || this.options.store.state.subscriptions[key] !== subscription) return;
    const delivered = await this.deliver(
      subscription,
      formatNotification(subscription, message, this.options.accountId),
    );
    if (delivered || this.closed || attempt >= this.options.retry.attempts) return;
    const { delayMs } = this.options.retry;
    const delay =
      subscription.notifyStrategy === 'EXPONENTIAL_DECAY_RETRY' ? delayMs * 2 ** (attempt - 1) : delayMs;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(subscription, message, attempt + 1);
    }, delay);
    this.timers.add(timer);
  }

  private async deliver(subscription: SubscriptionState, notification: Notification): Promise<boolean> {
    const { endpoint } = subscription;
    if (/^https?:\/\//.test(endpoint)) return this.post(endpoint, notification);
    const target = parseQueueEndpoint(endpoint);
    if (target !== undefined) {
      const queue = this.options.store.findQueue(target.queue);
      if (queue === undefined) return false;
      this.options.broker.send(queue, { body: notification.body });
      this.options.store.save();
      return true;
    }
    // mail: and sms: endpoints are accepted but there is nothing local to deliver to.
    return true;
  }

  private post(endpoint: string, notification: Notification): Promise<boolean> {
    const url = new URL(endpoint);
    // The request line is /notifications unless the endpoint names its own path (HttpEndpoint doc).
    const rest = /^https?:\/\/[^/?#]+(.*)$/.exec(endpoint)?.[1] ?? '';
    const path = rest === '' ? '/notifications' : rest;
    const headers = this.signedHeaders(path, notification);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      const request = send(
        // agent: false, one connection per push, so nothing lingers in a pool after close()
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path,
          headers,
          timeout: PUSH_TIMEOUT_MS,
          agent: false,
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(isSuccess(response.statusCode)));
          response.on('error', () => resolve(false));
        },
      );
      this.inFlight.add(request);
      request.on('close', () => this.inFlight.delete(request));
      request.on('timeout', () => request.destroy(new Error('push timed out')));
      request.on('error', () => resolve(false));
      request.end(notification.body);
    });
  }

  private signedHeaders(path: string, notification: Notification): HeaderBag {
    const headers: HeaderBag = {
      'content-type': notification.contentType,
      'content-length': Buffer.byteLength(notification.body),
      'content-md5': contentMd5(notification.body),
      date: new Date().toUTCString(),
      'x-mns-request-id': newRequestId(),
      'x-mns-version': '2015-06-06',
      'x-mns-signing-cert-url': Buffer.from(this.options.signingCertUrl, 'utf8').toString('base64'),
      ...notification.headers,
    };
    headers.authorization = this.options.signer.sign({ method: 'POST', resource: path, headers });
    return headers;
  }
}

function isSuccess(status: number | undefined): boolean {
  return status !== undefined && status >= 200 && status < 300;
}
