import { MnsApiError } from './api-error.js';
import { isReceiptHandle, type MessageIdSource, newReceiptHandle } from './ids.js';
import type { QueueMessage, QueueState } from './model.js';
import { bodyMd5 } from './signature.js';
import type { MnsStore } from './store.js';

export interface SendInput {
  body: string;
  delaySeconds?: number;
  priority?: number;
}

/** Default priority of a queue message (1 highest … 16 lowest), per the QueueMessage doc. */
export const DEFAULT_PRIORITY = 8;

/**
 * Queue message semantics (https://alibabacloud.com/help/en/mns/queuemessage): a received message is
 * hidden for VisibilityTimeout and comes back unless deleted with the receipt handle of that receive;
 * delayed messages are hidden until their delay ends; higher priority (lower number) is received first;
 * ReceiveMessage long-polls up to `waitseconds`.
 */
export class QueueBroker {
  private readonly waiters = new Map<string, Set<() => void>>();
  private closed = false;

  constructor(
    private readonly store: MnsStore,
    private readonly ids: MessageIdSource,
    private readonly now: () => number = Date.now,
  ) {}

  send(queue: QueueState, input: SendInput): QueueMessage {
    const now = this.now();
    const delay = input.delaySeconds ?? queue.delaySeconds;
    const message: QueueMessage = {
      messageId: this.ids.next(now),
      body: input.body,
      bodyMd5: bodyMd5(input.body),
      priority: input.priority ?? DEFAULT_PRIORITY,
      enqueueTime: now,
      dequeueCount: 0,
      nextVisibleTime: now + delay * 1000,
    };
    queue.messages.push(message);
    this.wake(queue.name);
    return message;
  }

  /** Take up to `count` visible messages, waiting up to `waitMs` for the first one. */
  async receive(queueName: string, count: number, waitMs: number): Promise<QueueMessage[]> {
    const deadline = this.now() + waitMs;
    for (;;) {
      const queue = this.store.queue(queueName);
      const taken = this.take(queue, count);
      if (taken.length > 0 || this.closed) return taken;
      const now = this.now();
      if (now >= deadline) return [];
      await this.waitForChange(queueName, Math.min(deadline, this.nextVisibleAfter(queue, now)) - now);
    }
  }

  peek(queue: QueueState, count: number): QueueMessage[] {
    const now = this.now();
    this.expire(queue, now);
    return this.visible(queue, now).slice(0, count);
  }

  delete(queue: QueueState, handle: string): void {
    const message = this.byHandle(queue, handle);
    queue.messages = queue.messages.filter((m) => m !== message);
  }

  changeVisibility(queue: QueueState, handle: string, seconds: number): QueueMessage {
    const message = this.byHandle(queue, handle);
    message.receiptHandle = newReceiptHandle();
    message.nextVisibleTime = this.now() + seconds * 1000;
    return message;
  }

  counts(queue: QueueState): { active: number; inactive: number; delayed: number } {
    const now = this.now();
    this.expire(queue, now);
    let active = 0;
    let inactive = 0;
    for (const message of queue.messages) {
      if (message.nextVisibleTime <= now) active += 1;
      else if (message.dequeueCount > 0) inactive += 1;
    }
    return { active, inactive, delayed: queue.messages.length - active - inactive };
  }

  /** Ends every pending long poll (they answer "no message") so the server can close. */
  close(): void {
    this.closed = true;
    for (const name of [...this.waiters.keys()]) this.wake(name);
  }

  private take(queue: QueueState, count: number): QueueMessage[] {
    const now = this.now();
    this.expire(queue, now);
    const taken = this.visible(queue, now).slice(0, count);
    for (const message of taken) {
      message.dequeueCount += 1;
      message.firstDequeueTime ??= now;
      message.receiptHandle = newReceiptHandle();
      message.nextVisibleTime = now + queue.visibilityTimeout * 1000;
    }
    return taken;
  }

  /** Visible messages, highest priority first, then in enqueue order (Array.sort is stable). */
  private visible(queue: QueueState, now: number): QueueMessage[] {
    return queue.messages.filter((m) => m.nextVisibleTime <= now).sort((a, b) => a.priority - b.priority);
  }

  /** Messages older than MessageRetentionPeriod are dropped, as the service does. */
  private expire(queue: QueueState, now: number): void {
    const oldest = now - queue.messageRetentionPeriod * 1000;
    queue.messages = queue.messages.filter((m) => m.enqueueTime >= oldest);
  }

  private nextVisibleAfter(queue: QueueState, now: number): number {
    const times = queue.messages.map((m) => m.nextVisibleTime).filter((t) => t > now);
    return times.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...times);
  }

  private byHandle(queue: QueueState, handle: string): QueueMessage {
    if (!isReceiptHandle(handle)) throw MnsApiError.receiptHandleError();
    const message = queue.messages.find((m) => m.receiptHandle === handle);
    // A handle is good only until the message becomes visible again (QueueMessage doc).
    if (message === undefined || message.nextVisibleTime <= this.now()) throw MnsApiError.messageNotExist();
    return message;
  }

  private waitForChange(queueName: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiters.get(queueName) ?? new Set<() => void>();
      this.waiters.set(queueName, set);
      const done = (): void => {
        clearTimeout(timer);
        set.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(ms, 1));
      set.add(done);
    });
  }

  private wake(queueName: string): void {
    for (const done of [...(this.waiters.get(queueName) ?? [])]) done();
  }
}
