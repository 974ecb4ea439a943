import { Command } from 'commander';
import type { CliIO, GlobalOptions } from '../cli-io.js';
import { clockOf, Output } from '../cli-io.js';
import { type Check, runChecks } from '../doctor-checks.js';

const HELP = `
Checks, each with what to do about a failure:
  config       the config file and env overrides parse (every problem at once)
  credentials  env vars or a credentials file that only its owner can read
  bucket       a one-key listing succeeds (credentials, bucket name, endpoint, network)
  clock        skew against the Date header of OSS (over 15 minutes OSS refuses every
               request: the bucket check is then skipped and the clock fails with the skew)
  journal      writable; corrupt entries, unfinished uploads, stale temp and spool files
  ingest       batches uploaded more than ingestOverdueMinutes (default 30) ago that ingest
               has published no status for: the OSS event was probably lost; the fix names
               the command that sends the manifest again (resume --retrigger <batch-id>)
Exit code: 0 when nothing failed, else the code of the first failure (3 config/credentials,
4 journal corrupt, 5 OSS unreachable, 7 a batch overdue at ingest).

Example:
  $ qlib-sync doctor --config /etc/qlib-sync/config.json
`;

/** `qlib-sync doctor`: check the setup end to end. */
export function doctorCommand(io: CliIO, setExit: (code: number) => void): Command {
  return new Command('doctor')
    .description('check config, credentials, bucket, clock skew and journal health')
    .addHelpText('after', HELP)
    .action(async (_options: unknown, command: Command) => {
      const globals = command.optsWithGlobals() as GlobalOptions;
      const out = new Output(io, globals.json ?? false);
      const checks = await runChecks(io, globals, clockOf(io));
      const failed = checks.find((c) => c.status === 'fail');
      out.result({ ok: failed === undefined, checks }, checks.map(line).join('\n'));
      setExit(failed?.exit ?? 0);
    });
}

const MARK: Record<Check['status'], string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' };

function line(c: Check): string {
  const head = `[${MARK[c.status]}] ${c.name}: ${c.detail}`;
  return c.fix !== undefined && c.status !== 'ok' ? `${head}\n       → ${c.fix}` : head;
}
