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
