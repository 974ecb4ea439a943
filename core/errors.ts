/**
 * Two error families and one decision table:
 * - TerminalError: the input is wrong; retrying cannot help. Ingest quarantines, the agent stops.
 * - TransientError: a passing fault (lost connection, 5xx, timeout); retry.
 * Anything else is a bug: it is thrown as is and never quarantined.
 */

export type ErrorKind = 'terminal' | 'transient';

/** One problem found in input, located as precisely as we can. */
export interface Problem {
  code: string;
  message: string;
  /** JSON path into a manifest/config ("$.columns[2].type"), when the input is a document. */
  path?: string;
  /** 1-based line and column of a payload, when the input is CSV. */
  line?: number;
  column?: number;
  value?: string;
}

export interface PipelineErrorOptions {
  cause?: unknown;
  problems?: Problem[];
  details?: Record<string, unknown>;
}

export abstract class PipelineError extends Error {
  abstract readonly kind: ErrorKind;
  readonly code: string;
  readonly problems: Problem[];
  readonly details: Record<string, unknown>;

  constructor(code: string, message: string, options: PipelineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.problems = options.problems ?? [];
    this.details = options.details ?? {};
  }
}

/** Bad input: a batch, a manifest, a file, a name. Never retried. */
export class TerminalError extends PipelineError {
  override readonly name: string = 'TerminalError';
  readonly kind = 'terminal' as const;
}

/** A passing fault of an outside system. Retried with backoff. */
export class TransientError extends PipelineError {
  override readonly name: string = 'TransientError';
  readonly kind = 'transient' as const;
}

/** Configuration that cannot work: every missing or invalid key, reported at once. */
export class ConfigError extends TerminalError {
  override readonly name = 'ConfigError';
  constructor(problems: Problem[]) {
    super('CONFIG_INVALID', formatProblems('invalid configuration', problems), { problems });
  }
}

/** Retry helper's question: is this error worth another attempt? Bugs and bad input never are. */
export function isTransient(error: unknown): error is TransientError {
  return error instanceof PipelineError && error.kind === 'transient';
}

export function isTerminal(error: unknown): error is TerminalError {
  return error instanceof PipelineError && error.kind === 'terminal';
}

/** One readable block: a headline and one line per problem with its location. */
export function formatProblems(headline: string, problems: readonly Problem[]): string {
  const lines = problems.map((p) => `  - ${locate(p)}${p.message} [${p.code}]`);
  return [`${headline} (${problems.length} problem${problems.length === 1 ? '' : 's'}):`, ...lines].join(
    '\n',
  );
}

function locate(p: Problem): string {
  if (p.path !== undefined) return `${p.path}: `;
  if (p.line !== undefined)
    return p.column === undefined ? `line ${p.line}: ` : `line ${p.line}, column ${p.column}: `;
  return '';
}
