import type { InvocationRecord } from './invocation.js';

type Waiter = {
  match: (r: InvocationRecord) => boolean;
  count: number;
  resolve: (records: InvocationRecord[]) => void;
};

/** Every attempt the runtime made, in start order; tests wait on it instead of sleeping. */
export class InvocationHistory {
  private readonly records: InvocationRecord[] = [];
  private readonly waiters = new Set<Waiter>();

  start(record: InvocationRecord): InvocationRecord {
    this.records.push(record);
    return record;
  }

  /** Mark an attempt finished and wake whoever waits for it. */
  finish(record: InvocationRecord, patch: Partial<InvocationRecord>): void {
    Object.assign(record, patch);
    for (const waiter of this.waiters) {
      const found = this.finished(waiter.match);
      if (found.length >= waiter.count) {
        this.waiters.delete(waiter);
        waiter.resolve(found);
      }
    }
  }

  all(): InvocationRecord[] {
    return this.records.map((r) => ({ ...r }));
  }

  /**
   * Resolve with the finished attempts matching `match` once there are at least `count` of them;
   * reject after `timeoutMs`.
   */
  waitFor(
    match: (r: InvocationRecord) => boolean,
    count = 1,
    timeoutMs = 10_000,
  ): Promise<InvocationRecord[]> {
    const now = this.finished(match);
    if (now.length >= count) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${count} finished invocation(s)`));
      }, timeoutMs);
      const waiter: Waiter = {
        match,
        count,
        resolve: (records) => {
          clearTimeout(timer);
          resolve(records);
        },
      };
      this.waiters.add(waiter);
    });
  }

  private finished(match: (r: InvocationRecord) => boolean): InvocationRecord[] {
    return this.records.filter((r) => r.status !== 'running' && match(r)).map((r) => ({ ...r }));
  }
}
