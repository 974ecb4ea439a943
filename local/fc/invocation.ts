/**
 * What one invocation produces, as FC reports it (FC error handling for Node.js:
 * https://www.alibabacloud.com/help/en/functioncompute/fc/error-handling-nodejs).
 */

/** The handler's return value, kept by kind: FC sends a Buffer as is, an object as JSON, the rest as text. */
export type HandlerResult =
  | { kind: 'bytes'; bytes: Buffer }
  | { kind: 'string'; text: string }
  | { kind: 'json'; value: unknown }
  | { kind: 'empty' };

/**
 * `x-fc-error-type` of a failed invocation. A thrown error, a crash or a failing initializer are
 * UnhandledInvocationError; a run past `timeout` is FunctionTimeout (message "Function time out after
 * N seconds", the doc's wording), kept apart so destinations and logs can tell them from a throw.
 */
export type FunctionErrorType = 'UnhandledInvocationError' | 'FunctionTimeout';

export interface FunctionError {
  type: FunctionErrorType;
  errorMessage: string;
  errorType?: string;
  stackTrace?: string[];
}

export type Outcome = { ok: true; result: HandlerResult } | { ok: false; error: FunctionError };

export type TriggerKind = 'invoke' | 'oss' | 'timer' | 'http' | 'destination' | 'api';

export interface InvokeResult {
  requestId: string;
  /** 200 for a synchronous invocation (also when the function failed, as FC does), 202 for async */
  status: 200 | 202;
  ok: boolean;
  /** the response body FC would send: the handler's bytes, JSON of an object, text, or the error JSON */
  body: Buffer;
  result?: HandlerResult;
  error?: FunctionError;
}

/** One attempt of one invocation (async retries share the requestId and count up `attempt`). */
export interface InvocationRecord {
  fn: string;
  requestId: string;
  attempt: number;
  trigger: TriggerKind;
  async: boolean;
  status: 'running' | 'succeeded' | 'failed';
  /** pid of the instance (child process) serving the attempt, once it has one */
  pid?: number;
  instanceId?: string;
  error?: FunctionError;
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
}

/** The body FC returns for an outcome (error JSON has errorMessage, errorType, stackTrace). */
export function outcomeBody(outcome: Outcome): Buffer {
  if (!outcome.ok) {
    const { errorMessage, errorType, stackTrace } = outcome.error;
    return Buffer.from(JSON.stringify({ errorMessage, errorType, stackTrace }));
  }
  const r = outcome.result;
  if (r.kind === 'bytes') return r.bytes;
  if (r.kind === 'string') return Buffer.from(r.text);
  if (r.kind === 'json') return Buffer.from(JSON.stringify(r.value));
  return Buffer.alloc(0);
}
