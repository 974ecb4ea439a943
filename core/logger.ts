/** One logger: JSON lines, one object per line, with child context. */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (per batch, per request). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** Where each line goes (stdout in FC: the runtime ships it to SLS). */
  write: (line: string) => void;
  /** Injected clock: core never reads the time itself. */
  now: () => Date;
  level?: LogLevel;
  context?: LogFields;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Create a JSON-lines logger. */
export function createLogger(options: LoggerOptions): Logger {
  const min = RANK[options.level ?? 'info'];
  const context = options.context ?? {};
  const emit = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (RANK[level] < min) return;
    const line = { time: options.now().toISOString(), level, msg, ...context, ...serialise(fields) };
    options.write(`${JSON.stringify(line)}\n`);
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    child: (fields) => createLogger({ ...options, context: { ...context, ...fields } }),
  };
}

/** Errors do not survive JSON.stringify; keep their name, code, message and cause chain. */
function serialise(fields?: LogFields): LogFields | undefined {
  if (fields === undefined) return undefined;
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields))
    out[key] = value instanceof Error ? describeError(value) : value;
  return out;
}

/** A plain-object view of an error (name, code, message, cause), for logs and reason files. */
export function describeError(error: Error, depth = 0): LogFields {
  const out: LogFields = { name: error.name, message: error.message };
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  if (error.cause instanceof Error && depth < 3) out.cause = describeError(error.cause, depth + 1);
  return out;
}
