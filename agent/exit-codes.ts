import { CommanderError } from 'commander';
import { isTransient, PipelineError, TerminalError } from '../core/errors.js';

/** Exit codes of every command (docs/agent.md, "Exit codes"). */
export const EXIT = {
  ok: 0,
  bug: 1,
  usage: 2,
  config: 3,
  data: 4,
  unavailable: 5,
  busy: 6,
  /** Uploaded, but ingest has published no status in time (push --wait, doctor). */
  overdue: 7,
} as const;

/** A command line that cannot work (conflicting or missing options). */
export class UsageError extends TerminalError {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** The machine's setup is wrong (config, credentials, bucket, clock): retrying cannot help, fixing it does. */
const CONFIG_CODES = new Set([
  'CONFIG_INVALID',
  'OSS_AUTH',
  'OSS_NO_BUCKET',
  'OSS_CLOCK_SKEW',
  // The store refused a request (an unexpected 4xx) or has no DNS for virtual-hosted buckets: the endpoint,
  // its pathStyle setting or the store's feature set, not the data.
  'OSS_REFUSED',
  'OSS_VHOST_DNS',
  // pull: the API refused the token, or there is no such dataset or market.
  'API_AUTH',
  'API_NOT_FOUND',
  'PULL_DIR_FOREIGN',
]);

/** The one decision table from error class to exit code. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (error instanceof UsageError) return EXIT.usage;
  if (isTransient(error)) return EXIT.unavailable;
  if (error instanceof PipelineError) {
    if (CONFIG_CODES.has(error.code) || error.code.startsWith('CREDENTIALS_')) return EXIT.config;
    if (error.code === 'JOURNAL_LOCKED' || error.code === 'PULL_LOCKED') return EXIT.busy;
    if (error.code === 'INGEST_OVERDUE') return EXIT.overdue;
    return EXIT.data;
  }
  return EXIT.bug;
}

/** What a person should do next, per exit code (and, for exit 5, whether OSS or the API failed). */
export function hintFor(code: number, errorCode?: string): string | undefined {
  switch (code) {
    case EXIT.usage:
      return 'see `qlib-sync <command> --help`';
    case EXIT.config:
      return 'fix the configuration, credentials or clock; `qlib-sync doctor` checks them all';
    case EXIT.data:
      return 'fix the input (or the rules) and push again; nothing broken was loaded';
    case EXIT.unavailable:
      if (errorCode?.startsWith('API_'))
        return 'the HTTP API could not be reached or kept failing; run the command again (a pull leaves its directory as it was)';
      return 'OSS could not be reached; the batch stays in the journal and `qlib-sync resume` (or the next push) finishes it';
    case EXIT.busy:
      return 'another qlib-sync is running; try again when it has finished';
    case EXIT.overdue:
      return 'the batch is uploaded but ingest has not answered: `qlib-sync status` shows it, `qlib-sync resume --retrigger <batch-id>` sends its manifest again';
    case EXIT.bug:
      return 'this is a bug in qlib-sync: please report it with the output above';
    default:
      return undefined;
  }
}
