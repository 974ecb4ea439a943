import type { PublishedMessage } from './model.js';

/** `waitForPublish` gave up: nothing was published to the topic in time (or the server closed). */
export class MnsWaitTimeoutError extends Error {
  override readonly name = 'MnsWaitTimeoutError';
}

interface Waiter {
  resolve: (message: PublishedMessage) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** Callers waiting for the next publish to a topic (tests and the demo). */
export class PublishWaiters {
  private readonly waiters = new Map<string, Set<Waiter>>();

  wait(topic: string, timeoutMs: number): Promise<PublishedMessage> {
    return new Promise((resolve, reject) => {
      const set = this.waiters.get(topic) ?? new Set<Waiter>();
      this.waiters.set(topic, set);
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          set.delete(waiter);
          reject(new MnsWaitTimeoutError(`nothing was published to topic ${topic} within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      set.add(waiter);
    });
  }

  notify(message: PublishedMessage): void {
    const set = this.waiters.get(message.topic);
    if (set === undefined) return;
    this.waiters.delete(message.topic);
    for (const waiter of set) {
      clearTimeout(waiter.timer);
      waiter.resolve(structuredClone(message));
    }
  }

  close(): void {
    for (const [topic, set] of this.waiters) {
      for (const waiter of set) {
        clearTimeout(waiter.timer);
        waiter.reject(new MnsWaitTimeoutError(`the MNS server closed while waiting for topic ${topic}`));
      }
    }
    this.waiters.clear();
  }
}
