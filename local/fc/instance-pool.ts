import { randomUUID } from 'node:crypto';
import { type ContextData, type ContextSource, contextData, instanceEnv } from './context.js';
import type { FunctionSpec } from './function-spec.js';
import { Instance } from './instance.js';
import type { Outcome } from './invocation.js';

export interface PoolOptions {
  spec: FunctionSpec;
  source: ContextSource;
  /** function log lines (stdout/stderr of its instances) */
  log: (line: string) => void;
  /** most instances alive at once; a request waits when all are busy */
  cap: number;
}

/**
 * The instances of one function, FC-style: an idle instance is reused, a new one is started when all
 * are busy (up to `cap`), a dead one (crash, timeout) is dropped and replaced on demand. The
 * initializer runs once per instance before its first request.
 */
export class InstancePool {
  private readonly idle: Instance[] = [];
  private readonly live = new Set<Instance>();
  private readonly waiters: Array<() => void> = [];
  private starting = 0;
  private closed = false;

  constructor(private readonly options: PoolOptions) {}

  /** Serve one request; `onStart` learns which instance (pid) serves it before the handler runs. */
  async run(event: Buffer, context: ContextData, onStart: (instance: Instance) => void): Promise<Outcome> {
    const { spec } = this.options;
    let instance: Instance;
    try {
      instance = await this.acquire();
    } catch (error) {
      const errorMessage = `instance failed to start: ${(error as Error).message}`;
      return { ok: false, error: { type: 'UnhandledInvocationError', errorMessage } };
    }
    onStart(instance);
    try {
      if (!instance.initialized && spec.initializer !== undefined) {
        const { handler, timeoutSec } = spec.initializer;
        const error = await instance.runHook('initialize', handler, context, timeoutSec);
        if (error !== undefined) {
          instance.kill();
          return { ok: false, error };
        }
      }
      instance.initialized = true;
      return await instance.invoke(event, context, spec.timeoutSec);
    } finally {
      this.release(instance);
    }
  }

  /** Stop every instance: idle ones run their preStop hook first (FC calls it before destroying one). */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.waiters.splice(0)) wake();
    const idle = this.idle.splice(0);
    const busy = [...this.live].filter((i) => !idle.includes(i));
    await Promise.all([...idle.map((i) => this.stop(i)), ...busy.map((i) => i.killed())]);
    this.live.clear();
  }

  /** pids of the instances alive now (for tests and the demo). */
  pids(): number[] {
    return [...this.live].filter((i) => !i.dead).map((i) => i.pid);
  }

  private async acquire(): Promise<Instance> {
    for (;;) {
      if (this.closed) throw new Error('the runtime is closing');
      const reused = this.takeIdle();
      if (reused !== undefined) return reused;
      if (this.liveCount() + this.starting < this.options.cap) return this.spawn();
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private takeIdle(): Instance | undefined {
    for (let i = this.idle.pop(); i !== undefined; i = this.idle.pop()) {
      if (!i.dead) return i;
      this.live.delete(i);
    }
    return undefined;
  }

  private async spawn(): Promise<Instance> {
    const { spec, source, log } = this.options;
    const instanceId = `c-${randomUUID()}`;
    this.starting++;
    try {
      const instance = await Instance.start({
        instanceId,
        codeDir: spec.codeDir,
        handler: spec.handler,
        env: instanceEnv(spec, source, instanceId, process.env),
        log,
      });
      this.live.add(instance);
      return instance;
    } finally {
      this.starting--;
    }
  }

  private release(instance: Instance): void {
    if (instance.dead || this.closed) {
      this.live.delete(instance);
      if (this.closed) void instance.killed();
    } else {
      this.idle.push(instance);
    }
    this.waiters.shift()?.();
  }

  private liveCount(): number {
    let n = 0;
    for (const i of this.live) if (!i.dead) n++;
    return n;
  }

  private async stop(instance: Instance): Promise<void> {
    const { spec, source } = this.options;
    if (spec.preStop !== undefined && !instance.dead && instance.initialized) {
      const context = contextData(spec, source, randomUUID());
      await instance.runHook('preStop', spec.preStop.handler, context, spec.preStop.timeoutSec);
    }
    await instance.killed();
  }
}
