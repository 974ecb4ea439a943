import { randomUUID } from 'node:crypto';
import type { Logger } from '../../core/logger.js';
import type { DestinationPayload, DestinationSender } from './destinations.js';
import type { AsyncSettings } from './function-spec.js';
import { type Outcome, outcomeBody, type TriggerKind } from './invocation.js';

export interface AttemptMeta {
  requestId: string;
  attempt: number;
  trigger: TriggerKind;
  async: boolean;
}

export interface AsyncQueueOptions {
  /** run one attempt (records it in the history) */
  attempt: (fn: string, payload: Buffer, meta: AttemptMeta) => Promise<Outcome>;
  settings: (fn: string) => { async: AsyncSettings; functionArn: string };
  now: () => Date;
  retryDelaysMs: readonly number[];
  destinations: DestinationSender;
  logger: Logger;
}

/**
 * Async invocation, FC-style (https://help.aliyun.com/document_detail/422720.htm): accepted at once, run at least once, retried up to
 * maxAsyncRetryAttempts after a failure (thrown error, crash, timeout), dropped once older than
 * maxAsyncEventAgeInSeconds; then the destination record goes to onFailure (or onSuccess).
 * Condition names: the error type (UnhandledInvocationError / FunctionTimeout), `Expired` for an event
 * past its age (AsyncTaskEvent status wording), `Succeeded` for onSuccess.
 */
export class AsyncQueue {
  private pending = 0;
  private closed = false;
  private readonly idleWaiters: Array<() => void> = [];
  private readonly sleepers = new Set<() => void>();

  constructor(private readonly options: AsyncQueueOptions) {}

  /** Accept an event (FC answers 202) and process it in the background; returns its requestId. */
  enqueue(fn: string, payload: Buffer, trigger: TriggerKind, requestId: string = randomUUID()): string {
    this.pending++;
    const enqueuedAt = this.options.now().getTime();
    void this.process(fn, payload, trigger, requestId, enqueuedAt)
      .catch((error: unknown) => this.options.logger.error('fc async invocation crashed', { fn, error }))
      .finally(() => this.done());
    return requestId;
  }

  /** Resolves when no async invocation (including retries and destinations) is pending. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stop retrying: waiting retries are abandoned, running attempts end with the instances. */
  close(): void {
    this.closed = true;
    for (const wake of this.sleepers) wake();
  }

  private async process(
    fn: string,
    payload: Buffer,
    trigger: TriggerKind,
    requestId: string,
    enqueuedAt: number,
  ): Promise<void> {
    const { async: cfg } = this.options.settings(fn);
    const log = this.options.logger.child({ fn, requestId });
    let outcome: Outcome | undefined;
    let attempt = 0;
    while (!this.closed) {
      if (this.options.now().getTime() - enqueuedAt > cfg.maxAgeSec * 1000) {
        log.warn('fc async event expired', { attempts: attempt, maxAgeSec: cfg.maxAgeSec });
        return this.finish(fn, payload, requestId, attempt, 'Expired', outcome);
      }
      attempt++;
      outcome = await this.options.attempt(fn, payload, { requestId, attempt, trigger, async: true });
      if (outcome.ok) return this.finish(fn, payload, requestId, attempt, 'Succeeded', outcome);
      if (attempt > cfg.maxRetries) {
        log.error('fc async invocation failed', { attempts: attempt, condition: outcome.error.type });
        return this.finish(fn, payload, requestId, attempt, outcome.error.type, outcome);
      }
      const delayMs = this.delay(attempt);
      log.info('fc async retry', { attempt, delayMs, error: outcome.error.errorMessage });
      await this.sleep(delayMs);
    }
  }

  private async finish(
    fn: string,
    payload: Buffer,
    requestId: string,
    attempts: number,
    condition: string,
    outcome: Outcome | undefined,
  ): Promise<void> {
    const { async: cfg, functionArn } = this.options.settings(fn);
    const ok = outcome?.ok === true && condition === 'Succeeded';
    const destination = ok ? cfg.onSuccess : cfg.onFailure;
    if (destination === undefined) return;
    const record: DestinationPayload = {
      timestamp: this.options.now().getTime(),
      requestContext: { requestId, functionArn, condition, approximateInvokeCount: attempts },
      requestPayload: payload.toString('utf8'),
      responseContext: {
        statusCode: 200,
        functionError: outcome === undefined || outcome.ok ? '' : outcome.error.errorMessage,
      },
      responsePayload: ok && outcome !== undefined ? outcomeBody(outcome).toString('utf8') : '',
    };
    await this.options.destinations.send(destination, record);
  }

  /** The n-th retry waits retryDelaysMs[n-1]; past the list, its last value. */
  private delay(attempt: number): number {
    const delays = this.options.retryDelaysMs;
    return delays[Math.min(attempt - 1, delays.length - 1)] ?? 0;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  private done(): void {
    this.pending--;
    if (this.pending === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
