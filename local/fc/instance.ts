import { type ChildProcess, fork } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { TransientError } from '../../core/errors.js';
import type { ContextData } from './context.js';
import type { FunctionError, HandlerResult, Outcome } from './invocation.js';

const WORKER = fileURLToPath(new URL('./worker.mjs', import.meta.url));
/** How long a fresh process may take to come up and import the code (not part of the function timeout). */
const START_TIMEOUT_MS = 30_000;

export interface InstanceOptions {
  instanceId: string;
  codeDir: string;
  handler: string;
  env: Record<string, string>;
  /** each line the function writes to stdout/stderr */
  log: (line: string) => void;
}

type WorkerError = Omit<FunctionError, 'type'>;
type Reply = { type: string; error?: WorkerError; result?: WireResult };
type WireResult =
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'string'; text: string }
  | { kind: 'json'; text: string }
  /** an object the worker found JSON-safe as it is (worker.mjs isFlatJson) */
  | { kind: 'object'; value: unknown }
  | { kind: 'empty' };
type Exchange = { reply: Reply } | { crashed: true } | { timedOut: true };

/**
 * One FC instance: a node child process running worker.mjs, serving one request at a time (FC 3.0
 * built-in runtimes have no instance concurrency). A crash or a timeout kills it for good.
 */
export class Instance {
  dead = false;
  initialized = false;
  private loadError: WorkerError | undefined;
  private pending: ((exchange: Exchange) => void) | undefined;

  private constructor(
    readonly id: string,
    private readonly child: ChildProcess,
    private readonly handler: string,
  ) {
    child.on('exit', () => {
      this.dead = true;
      this.settle({ crashed: true });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Fork the worker and import the function's code into it. */
  static async start(options: InstanceOptions): Promise<Instance> {
    const child = fork(WORKER, [], {
      env: options.env,
      cwd: options.codeDir,
      execArgv: [],
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    forwardLines(child.stdout, options.log);
    forwardLines(child.stderr, options.log);
    const instance = new Instance(options.instanceId, child, options.handler);
    child.on('message', (reply: Reply) => instance.settle({ reply }));
    const ready = await instance.exchange(undefined, START_TIMEOUT_MS, child);
    if (!('reply' in ready)) throw startFailure(options, ready);
    const loaded = await instance.exchange(
      { type: 'load', codeDir: options.codeDir, handler: options.handler },
      START_TIMEOUT_MS,
    );
    if (!('reply' in loaded)) throw startFailure(options, loaded);
    instance.loadError = loaded.reply.error;
    return instance;
  }

  /** Run the handler on `event`; past `timeoutSec` the process is killed (FC: "Function time out"). */
  async invoke(event: Buffer, context: ContextData, timeoutSec: number): Promise<Outcome> {
    if (this.loadError !== undefined) {
      this.kill();
      return failed('UnhandledInvocationError', this.loadError);
    }
    const started = Date.now();
    const message = { type: 'invoke', handler: this.handler, event, context };
    const exchange = await this.exchange(message, timeoutSec * 1000);
    return toOutcome(exchange, timeoutSec, Date.now() - started);
  }

  /** Run a lifecycle hook (initializer, preStop); resolves to its error, if any. */
  async runHook(
    kind: 'initialize' | 'preStop',
    handler: string,
    context: ContextData,
    timeoutSec: number,
  ): Promise<FunctionError | undefined> {
    const started = Date.now();
    const exchange = await this.exchange({ type: kind, handler, context }, timeoutSec * 1000);
    const outcome = toOutcome(exchange, timeoutSec, Date.now() - started);
    if (outcome.ok) return undefined;
    return { ...outcome.error, errorMessage: `${kind} failed: ${outcome.error.errorMessage}` };
  }

  kill(): void {
    this.dead = true;
    this.child.kill('SIGKILL');
  }

  /** Resolve with the process gone (already gone: at once). */
  killed(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.kill();
    });
  }

  private exchange(message: object | undefined, timeoutMs: number, child = this.child): Promise<Exchange> {
    if (this.dead) return Promise.resolve({ crashed: true });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.kill();
        this.settle({ timedOut: true });
      }, timeoutMs);
      this.pending = (exchange) => {
        clearTimeout(timer);
        resolve(exchange);
      };
      if (message !== undefined) child.send(message);
    });
  }

  private settle(exchange: Exchange): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.(exchange);
  }
}

function toOutcome(exchange: Exchange, timeoutSec: number, durationMs: number): Outcome {
  if ('timedOut' in exchange) {
    return failed('FunctionTimeout', { errorMessage: `Function time out after ${timeoutSec} seconds` });
  }
  if ('crashed' in exchange) {
    // FC's wording for a process that dies mid-request (error-handling-nodejs, "Abnormal exits").
    const errorMessage = `Process exited unexpectedly before completing request (duration: ${durationMs}ms, maxMemoryUsage: 0MB)`;
    return failed('UnhandledInvocationError', { errorMessage });
  }
  const { error, result } = exchange.reply;
  if (error !== undefined) return failed('UnhandledInvocationError', error);
  return { ok: true, result: fromWire(result ?? { kind: 'empty' }) };
}

function fromWire(wire: WireResult): HandlerResult {
  if (wire.kind === 'bytes') return { kind: 'bytes', bytes: Buffer.from(wire.bytes) };
  if (wire.kind === 'json') return { kind: 'json', value: JSON.parse(wire.text) };
  if (wire.kind === 'object') return { kind: 'json', value: wire.value };
  return wire;
}

function failed(type: FunctionError['type'], error: WorkerError): Outcome {
  return { ok: false, error: { type, ...error } };
}

function startFailure(options: InstanceOptions, exchange: Exchange): TransientError {
  const why = 'timedOut' in exchange ? 'did not start in time' : 'exited while starting';
  return new TransientError('FC_INSTANCE_START', `instance ${options.instanceId} ${why}`);
}

function forwardLines(stream: Readable | null, log: (line: string) => void): void {
  if (stream === null) return;
  createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', log);
}
