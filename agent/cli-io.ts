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
}

/** Human text on stdout, or one JSON document with --json. */
export class Output {
  constructor(
    private readonly io: CliIO,
    readonly json: boolean,
  ) {}

  /** A line for people (suppressed with --json). */
  say(text: string): void {
    if (!this.json) this.io.stdout(`${text}\n`);
  }

  /** The command's result. */
  result(document: unknown, human: string): void {
    this.io.stdout(this.json ? `${JSON.stringify(document)}\n` : `${human}\n`);
  }
}
