import { isTransient, TransientError } from '../core/errors.js';

export interface RetryPolicy {
  /** Total attempts, the first included. */
  attempts: number;
  /** Delay before the second attempt; doubles each time, capped at maxMs, with jitter. */
  baseMs: number;
  maxMs?: number;
}

export interface RetryHooks {
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  onRetry?: (error: TransientError, attempt: number, delayMs: number) => void;
}

/**
 * Run `fn` until it succeeds, retrying TransientError only (a passing OSS fault), with exponential backoff
 * and jitter (each delay drawn from [cap/2, cap]). Terminal errors and bugs are thrown at once: retrying bad input or a bug cannot help
 * (after p-retry). After the last attempt the transient error is thrown, saying how many.
 */
export async function withRetry<T>(
  fn: () => Promise<T>,
  policy: RetryPolicy,
  hooks: RetryHooks = {},
): Promise<T> {
  const sleep = hooks.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = hooks.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isTransient(error)) throw error;
      if (attempt >= policy.attempts) {
        throw new TransientError(
          error.code,
          `gave up after ${attempt} attempts: ${headline(error.message)}`,
          {
            cause: error,
            details: error.details,
          },
        );
      }
      const cap = Math.min(policy.maxMs ?? 30_000, policy.baseMs * 2 ** (attempt - 1));
      const delay = Math.round(cap / 2 + (random() * cap) / 2);
      hooks.onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}

/** The first line of a vendor message, cut to a readable length (the cause keeps the whole text). */
function headline(message: string): string {
  const first = message.split('\n')[0] ?? '';
  return first.length > 300 ? `${first.slice(0, 300)}…` : first;
}
