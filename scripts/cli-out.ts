import { pathToFileURL } from 'node:url';
import { CommanderError } from 'commander';
import { formatProblems, PipelineError } from '../core/errors.js';

/** Where an operator command (npm run alerts, sla, redrive) writes: stdout and stderr, one line each. */
export interface CliOut {
  out: (line: string) => void;
  err: (line: string) => void;
}

/**
 * The operator commands' one catch: commander's usage errors exit 2; a pipeline error prints its problems and
 * exits 5 when transient, else `terminalExit(error)` (2 by default: the input or the settings); anything else
 * is a bug (1) and prints its stack.
 */
export function explainError(
  error: unknown,
  io: CliOut,
  terminalExit: (error: PipelineError) => number = () => 2,
): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  if (error instanceof PipelineError) {
    io.err(
      error.problems.length > 0
        ? formatProblems(error.message, error.problems)
        : `${error.code}: ${error.message}`,
    );
    return error.kind === 'transient' ? 5 : terminalExit(error);
  }
  io.err(`a bug in qlib-sync: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return 1;
}

/** Run `cli` with the process's arguments, env and streams when `moduleUrl` is the script node was started with. */
export function runIfMain(
  moduleUrl: string,
  cli: (argv: string[], env: NodeJS.ProcessEnv, io: CliOut) => Promise<number>,
): void {
  if (moduleUrl !== pathToFileURL(process.argv[1] ?? '').href) return;
  cli(process.argv.slice(2), process.env, {
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
  }).then((code) => {
    process.exitCode = code;
  });
}
