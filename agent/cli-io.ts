import type { Env } from '../core/config-reader.js';

/** The outside world of one CLI run: injected so tests run commands in-process with their own env and streams. */
export interface CliIO {
  env: Env;
  home: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** stderr is a terminal: progress is a redrawn line instead of JSON lines. */
  isTTY: boolean;
  /** Aborted on SIGINT/SIGTERM (watch stops cleanly). */
  stop?: AbortSignal;
  /**
   * The agent's clock (default the system's): batch ids, journal times, doctor's skew, and the date OSS
   * requests are signed with. Tests set a skewed one to see what OSS answers.
   */
  now?: () => Date;
  /** How the agent waits between retries (default a timer); tests see the backoff schedule through it. */
  sleep?: (ms: number) => Promise<void>;
}

/** The agent's clock for this run. */
export function clockOf(io: CliIO): () => Date {
  return io.now ?? (() => new Date());
}

/** Global options every command takes. */
export interface GlobalOptions {
  config?: string;
  journal?: string;
  json?: boolean;
  verbose?: boolean;
}

/**
 * Whether a cron-style command (push, resume) keeps quiet on success: stderr is not a terminal (cron,
 * systemd, a pipe) and --verbose was not given. cron mails whatever a job prints, so a quiet success mails
 * nothing; failures and warnings are printed either way.
 */
export function isQuiet(io: CliIO, options: GlobalOptions): boolean {
  return !io.isTTY && options.verbose !== true;
}

/** Human text on stdout, or one JSON document with --json; nothing on success when quiet. */
export class Output {
  constructor(
    private readonly io: CliIO,
    readonly json: boolean,
    readonly quiet = false,
  ) {}

  /** A line for people (suppressed with --json and when quiet). */
  say(text: string): void {
    if (!this.json && !this.quiet) this.io.stdout(`${text}\n`);
  }

  /** The command's result (with --json always; for people unless quiet). */
  result(document: unknown, human: string): void {
    if (this.json) this.io.stdout(`${JSON.stringify(document)}\n`);
    else if (!this.quiet) this.io.stdout(`${human}\n`);
  }

  /** Something a person must see even when quiet (a batch left behind, warnings): on stderr, never with --json's stdout. */
  warn(text: string): void {
    this.io.stderr(`${text}\n`);
  }
}
