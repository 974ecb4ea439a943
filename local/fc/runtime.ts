import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import { TerminalError } from '../../core/errors.js';
import { createLogger, type Logger } from '../../core/logger.js';
import type { OssServer } from '../oss/server.js';
import { AsyncQueue } from './async-queue.js';
import { type Clock, type ManualClock, RealClock } from './clock.js';
import type { ContextSource, RuntimeCredentials } from './context.js';
import { DestinationSender, type MnsTarget } from './destinations.js';
import { type FunctionSpec, missingCode, readFunctionSpecs } from './function-spec.js';
import { InvocationHistory } from './history.js';
import { InstancePool } from './instance-pool.js';
import { type InvocationRecord, type InvokeResult, outcomeBody, type TriggerKind } from './invocation.js';
import type { InvokeTarget } from './invoke-api.js';
import { Invoker } from './invoker.js';
import { fc3Lists, findFc3Schema } from './props-check.js';
import { loadSYaml } from './s-yaml.js';
import { startTriggers, type Triggers } from './triggers.js';

export type { InvocationRecord, InvokeResult } from './invocation.js';

export interface FcRuntimeOptions {
  sYamlPath: string;
  /** what ${env('…')} resolves against (never process.env implicitly) */
  env: Record<string, string | undefined>;
  config: { AccountID: string } & Record<string, string>;
  /** given to handlers as context.credentials and ALIBABA_CLOUD_* variables */
  credentials: RuntimeCredentials;
  /**
   * STS credentials per RAM role name (the last part of s.yaml `role`, acs:ram::<account>:role/<name>): a function
   * whose role is here gets these instead of `credentials`, as FC hands each function its own role's credentials.
   */
  roleCredentials?: ReadonlyMap<string, RuntimeCredentials>;
  /** OSS triggers subscribe to this server's notifications */
  oss?: OssServer;
  /** where MNS destinations are delivered */
  mns?: MnsTarget;
  /** timers: the real wall clock (default) or a ManualClock a test drives */
  clock?: 'real' | ManualClock;
  /** async retry backoff; default FC-like doubling from 1 s */
  retryDelaysMs?: number[];
  /** HTTP triggers listen on ephemeral ports on this host (default 127.0.0.1) */
  httpHost?: string;
  /** resolve `code:` against this (default: the s.yaml's directory) */
  codeRoot?: string;
  /** function log lines (default: stderr); runtime JSON lines too unless `logger` is given */
  log?: (line: string, fn: string) => void;
  /** runtime events (invoke start/end, retry, destination); default: JSON lines into `log` */
  logger?: Logger;
  /** most instances per function (default 20) */
  instanceCap?: number;
  /** called when an attempt has its instance (pid), before the handler runs */
  onInvokeStart?: (record: InvocationRecord) => void;
}

export interface FcRuntime {
  functions(): string[];
  invoke(fn: string, payload: Buffer | string, opts?: { async?: boolean }): Promise<InvokeResult>;
  httpUrl(fn: string): string | undefined;
  idle(): Promise<void>;
  invocations(): InvocationRecord[];
  /** finished attempts matching `match`, once there are `count` of them (rejects after timeoutMs) */
  waitForInvocations(
    match: (r: InvocationRecord) => boolean,
    count?: number,
    timeoutMs?: number,
  ): Promise<InvocationRecord[]>;
  /** pids of a function's live instances */
  instancePids(fn: string): number[];
  /** what the FC 3.0 InvokeFunction API (invoke-api.ts) calls into */
  invokeTarget(): InvokeTarget;
  close(): Promise<void>;
}

const DEFAULT_RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000];
const DEFAULT_INSTANCE_CAP = 20;

/** Start the local FC 3.0 runtime for every fc3 resource of an s.yaml. */
export async function startFcRuntime(options: FcRuntimeOptions): Promise<FcRuntime> {
  const doc = await loadSYaml(options.sYamlPath, { env: options.env, config: options.config });
  const specs = readFunctionSpecs(doc, options.codeRoot ?? dirname(options.sYamlPath));
  refuseMissingCode(specs);
  const parts = assemble(specs, options);
  let triggers: Triggers;
  try {
    triggers = await startTriggers(specs, {
      oss: options.oss,
      clock: parts.clock,
      host: options.httpHost ?? '127.0.0.1',
      accountId: options.config.AccountID,
      logger: parts.logger,
      enqueue: (fn, payload, trigger, requestId) => parts.queue.enqueue(fn, payload, trigger, requestId),
      invoke: (fn, payload, requestId) => invokeSync(parts, fn, payload, requestId, 'http'),
    });
  } catch (error) {
    await Promise.all([...parts.pools.values()].map((p) => p.close()));
    throw error;
  }
  // Which fc3 enums the props were checked against: the component's own schema, or the hand-copied lists.
  const propsCheckedBy = fc3Lists(findFc3Schema()).source;
  parts.logger.info('fc runtime started', { functions: specs.map((s) => s.name), propsCheckedBy });
  return runtimeApi(specs, parts, triggers);
}

/** The runtime's moving parts, wired once. */
interface Parts {
  specs: ReadonlyMap<string, FunctionSpec>;
  pools: Map<string, InstancePool>;
  history: InvocationHistory;
  invoker: Invoker;
  queue: AsyncQueue;
  clock: Clock;
  logger: Logger;
}

function assemble(list: readonly FunctionSpec[], options: FcRuntimeOptions): Parts {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const logger =
    options.logger ?? createLogger({ write: (l) => log(l.trimEnd(), 'fc-runtime'), now: () => new Date() });
  const clock: Clock =
    options.clock === undefined || options.clock === 'real' ? new RealClock() : options.clock;
  const accountId = options.config.AccountID;
  const sources = new Map(
    list.map((spec) => [spec.name, { accountId, credentials: credentialsOf(spec, options) }]),
  );
  const specs = new Map(list.map((s) => [s.name, s]));
  const cap = options.instanceCap ?? DEFAULT_INSTANCE_CAP;
  const pools = new Map(
    list.map((spec) => {
      const source = sources.get(spec.name) as ContextSource;
      return [spec.name, new InstancePool({ spec, source, cap, log: (l) => log(l, spec.name) })];
    }),
  );
  const history = new InvocationHistory();
  const { onInvokeStart } = options;
  const invoker = new Invoker({ specs, pools, sources, history, logger, onInvokeStart });
  const destinations = new DestinationSender({
    mns: options.mns,
    invokeAsync: (fn, payload) => {
      if (specs.has(fn)) queue.enqueue(fn, payload, 'destination');
      else logger.error('fc destination function not found', { fn });
    },
    logger,
  });
  const queue = new AsyncQueue({
    attempt: (fn, payload, meta) => invoker.attempt(fn, payload, meta),
    settings: (fn) => {
      const spec = known(specs, fn);
      return { async: spec.async, functionArn: `acs:fc:${spec.region}:${accountId}:functions/${spec.name}` };
    },
    now: () => clock.now(),
    retryDelaysMs: options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
    destinations,
    logger,
  });
  return { specs, pools, history, invoker, queue, clock, logger };
}

function runtimeApi(list: readonly FunctionSpec[], parts: Parts, triggers: Triggers): FcRuntime {
  const { queue, history, pools, logger } = parts;
  let closing: Promise<void> | undefined;
  return {
    functions: () => list.map((s) => s.name),
    invoke: async (fn, payload, opts = {}) => {
      known(parts.specs, fn);
      const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
      if (opts.async !== true) return invokeSync(parts, fn, body, randomUUID(), 'invoke');
      const requestId = queue.enqueue(fn, body, 'invoke');
      return { requestId, status: 202, ok: true, body: Buffer.alloc(0) };
    },
    httpUrl: (fn) => triggers.httpUrls.get(fn),
    idle: () => queue.idle(),
    invocations: () => history.all(),
    waitForInvocations: (match, count, timeoutMs) => history.waitFor(match, count, timeoutMs),
    instancePids: (fn) => pools.get(fn)?.pids() ?? [],
    invokeTarget: () => ({
      has: (fn) => parts.specs.has(fn),
      invoke: (fn, payload, requestId) => invokeSync(parts, fn, payload, requestId, 'api'),
      enqueue: (fn, payload, requestId) => {
        queue.enqueue(fn, payload, 'api', requestId);
      },
    }),
    close: () => {
      closing ??= (async () => {
        queue.close();
        await triggers.close();
        await Promise.all([...pools.values()].map((p) => p.close()));
        logger.info('fc runtime stopped');
      })();
      return closing;
    },
  };
}

async function invokeSync(
  parts: Parts,
  fn: string,
  payload: Buffer,
  requestId: string,
  trigger: TriggerKind,
): Promise<InvokeResult> {
  known(parts.specs, fn);
  const outcome = await parts.invoker.attempt(fn, payload, { requestId, attempt: 1, trigger, async: false });
  const result: InvokeResult = outcome.ok
    ? { requestId, status: 200, ok: true, body: Buffer.alloc(0), result: outcome.result }
    : { requestId, status: 200, ok: false, body: Buffer.alloc(0), error: outcome.error };
  // The body is made when read: an HTTP trigger answering {statusCode, body} never reads it, and JSON of an
  // 8 MiB API page is not free.
  let body: Buffer | undefined;
  Object.defineProperty(result, 'body', { enumerable: true, get: () => (body ??= outcomeBody(outcome)) });
  return result;
}

/** The credentials a function's instances get: its role's when the runtime has them, else the default ones. */
function credentialsOf(spec: FunctionSpec, options: FcRuntimeOptions): RuntimeCredentials {
  if (spec.role === undefined) return options.credentials;
  const name = roleName(spec.role);
  for (const [key, credentials] of options.roleCredentials ?? [])
    if (roleName(key) === name) return credentials;
  return options.credentials;
}

/** `acs:ram::<account>:role/<name>` or a bare name → the role's name (RAM role names are case-insensitive). */
export function roleName(role: string): string {
  return (role.startsWith('acs:ram:') ? role.slice(role.lastIndexOf('/') + 1) : role).toLowerCase();
}

function known(specs: ReadonlyMap<string, FunctionSpec>, fn: string): FunctionSpec {
  const spec = specs.get(fn);
  if (spec === undefined)
    throw new TerminalError('FC_FUNCTION_NOT_FOUND', `function ${fn} is not in the s.yaml`);
  return spec;
}

function refuseMissingCode(specs: readonly FunctionSpec[]): void {
  const missing = missingCode(specs);
  if (missing.length === 0) return;
  const list = missing.map((s) => `${s.name}: ${s.codeDir}`).join('; ');
  throw new TerminalError('FC_CODE_MISSING', `function code directory missing (${list})`, {
    details: { functions: missing.map((s) => ({ name: s.name, codeDir: s.codeDir })) },
  });
}
