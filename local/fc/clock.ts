/**
 * The time source of timer triggers (and of the async event-age check). `RealClock` schedules with
 * setTimeout; `ManualClock` lets a test move time and fires every due timer, in order, when it does.
 */
export type TimerCallback = () => Promise<void> | void;

export interface Clock {
  now(): Date;
  /** Run `fire` at `at` (or as soon as possible when `at` is past); returns a cancel function. */
  schedule(at: Date, fire: TimerCallback): () => void;
}

/** setTimeout caps delays at 2^31-1 ms (~24.8 days); longer waits are chained. */
const MAX_DELAY_MS = 2 ** 31 - 1;

export class RealClock implements Clock {
  now(): Date {
    return new Date();
  }

  schedule(at: Date, fire: TimerCallback): () => void {
    let handle: NodeJS.Timeout | undefined;
    let cancelled = false;
    const arm = () => {
      if (cancelled) return;
      const delay = at.getTime() - Date.now();
      if (delay > MAX_DELAY_MS) {
        handle = setTimeout(arm, MAX_DELAY_MS);
        return;
      }
      handle = setTimeout(() => void fire(), Math.max(0, delay));
    };
    arm();
    return () => {
      cancelled = true;
      if (handle !== undefined) clearTimeout(handle);
    };
  }
}

interface Entry {
  at: number;
  seq: number;
  fire: TimerCallback;
}

/** A clock that only moves when told to; `advance`/`set` resolve after every due timer has fired. */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly entries: Entry[] = [];

  constructor(start: Date) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  schedule(at: Date, fire: TimerCallback): () => void {
    const entry: Entry = { at: at.getTime(), seq: this.seq++, fire };
    this.entries.push(entry);
    return () => {
      const i = this.entries.indexOf(entry);
      if (i >= 0) this.entries.splice(i, 1);
    };
  }

  /** Move forward by `ms`, firing due timers in time order (ties: in the order they were scheduled). */
  advance(ms: number): Promise<void> {
    return this.set(new Date(this.current + ms));
  }

  /** Move to `date` (never backwards), firing due timers in order; each timer's callback is awaited. */
  async set(date: Date): Promise<void> {
    const target = date.getTime();
    if (target < this.current) throw new RangeError('ManualClock cannot go back in time');
    for (let next = this.nextDue(target); next !== undefined; next = this.nextDue(target)) {
      this.entries.splice(this.entries.indexOf(next), 1);
      this.current = Math.max(this.current, next.at);
      await next.fire();
    }
    this.current = target;
  }

  /** Timers not yet fired (for tests: a disabled trigger schedules none). */
  pending(): number {
    return this.entries.length;
  }

  private nextDue(target: number): Entry | undefined {
    let best: Entry | undefined;
    for (const e of this.entries) {
      if (e.at > target) continue;
      if (best === undefined || e.at < best.at || (e.at === best.at && e.seq < best.seq)) best = e;
    }
    return best;
  }
}
