import type { Logger } from '../../core/logger.js';
import type { AttemptMeta } from './async-queue.js';
import { type ContextSource, contextData } from './context.js';
import type { FunctionSpec } from './function-spec.js';
import type { InvocationHistory } from './history.js';
import type { InstancePool } from './instance-pool.js';
import type { InvocationRecord, Outcome } from './invocation.js';

export interface InvokerOptions {
  specs: ReadonlyMap<string, FunctionSpec>;
  pools: ReadonlyMap<string, InstancePool>;
  /** per function: its account and its role's credentials */
  sources: ReadonlyMap<string, ContextSource>;
  history: InvocationHistory;
  logger: Logger;
  /** called when an attempt has its instance, before the handler runs (tests read the pid here) */
  onInvokeStart?: (record: InvocationRecord) => void;
}

/** Runs one attempt of one invocation on the function's pool, and records and logs it. */
export class Invoker {
  constructor(private readonly options: InvokerOptions) {}

  async attempt(fn: string, payload: Buffer, meta: AttemptMeta): Promise<Outcome> {
    const { specs, pools, sources, history, logger, onInvokeStart } = this.options;
    const spec = specs.get(fn) as FunctionSpec;
    const pool = pools.get(fn) as InstancePool;
    const started = Date.now();
    const record = history.start({
      fn,
      ...meta,
      status: 'running',
      startedAt: new Date(started).toISOString(),
    });
    const log = logger.child({ fn, requestId: meta.requestId, attempt: meta.attempt, trigger: meta.trigger });
    log.info('fc invoke start', { async: meta.async });
    const context = contextData(spec, sources.get(fn) as ContextSource, meta.requestId);
    const outcome = await pool.run(payload, context, (instance) => {
      record.pid = instance.pid;
      record.instanceId = instance.id;
      onInvokeStart?.({ ...record });
    });
    const durationMs = Date.now() - started;
    history.finish(record, {
      status: outcome.ok ? 'succeeded' : 'failed',
      error: outcome.ok ? undefined : outcome.error,
      endedAt: new Date().toISOString(),
      durationMs,
    });
    if (outcome.ok) log.info('fc invoke end', { durationMs, instanceId: record.instanceId });
    else log.warn('fc invoke failed', { durationMs, instanceId: record.instanceId, error: outcome.error });
    return outcome;
  }
}
