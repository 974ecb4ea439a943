import { Command, CommanderError } from 'commander';
import { describeError } from '../core/logger.js';
import type { CliIO } from './cli-io.js';
import { configsCommand } from './commands/configs.js';
import { doctorCommand } from './commands/doctor.js';
import { pullCommand } from './commands/pull.js';
import { pushCommand } from './commands/push.js';
import { pushRunsCommand } from './commands/push-runs.js';
import { resumeCommand } from './commands/resume.js';
import { statusCommand } from './commands/status.js';
import { watchCommand } from './commands/watch.js';
import { EXIT, exitCodeOf, hintFor } from './exit-codes.js';
import { agentVersion } from './version.js';

const HELP = `
Configuration: a JSON file (--config, default ~/.config/qlib-sync/config.json) with
bucket, region, endpoint, pathStyle, journalDir, credentialsFile, multipartThreshold,
partSize, parallel, retries, retryBaseMs, timeoutMs, ingestOverdueMinutes, lateDays, policy;
environment variables override it (OSS_BUCKET, OSS_REGION, OSS_ENDPOINT, OSS_PATH_STYLE,
QLIB_SYNC_JOURNAL, …). Credentials come from ALIBABA_CLOUD_ACCESS_KEY_ID /
ALIBABA_CLOUD_ACCESS_KEY_SECRET / ALIBABA_CLOUD_SECURITY_TOKEN or the credentials file
(mode 600). docs/agent.md has the whole guide.

Off a terminal (cron) push and resume print nothing when all went well; --verbose prints
the result and progress, --json the result document. Failures always print.

Exit codes: 0 ok, 1 bug, 2 usage, 3 config/credentials/clock/store refusal, 4 invalid input
data (or, with push --wait, a batch ingest rejected), 5 OSS unreachable after retries,
6 journal busy, 7 no verdict from ingest in time (push --wait, doctor).

Example (cron, after the nightly qlib update):
  30 18 * * 1-5  qlib-sync push /data/qlib/cn_data --dataset cn_daily \\
                   --fields open,close,high,low,volume,factor --since-last --wait
`;

/** Run one command line; never exits the process, returns the exit code (one catch, one decision table). */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  let code: number = EXIT.ok;
  const setExit = (c: number) => {
    code = c;
  };
  const program = new Command('qlib-sync')
    .description(
      'push qlib data (provider directories, CSV/Parquet exports, calendars, experiment results) to Alibaba Cloud OSS; pull factors back as a qlib provider directory',
    )
    .version(agentVersion())
    .option('--config <file>', 'config file (default ~/.config/qlib-sync/config.json)')
    .option('--journal <dir>', 'journal directory (overrides the config)')
    .option('--json', 'machine-readable output on stdout')
    .option(
      '--verbose',
      'push/resume: the result and progress also when not on a terminal (cron is quiet on success)',
    )
    .addHelpText('after', HELP)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  for (const make of [
    pushCommand,
    pushRunsCommand,
    watchCommand,
    statusCommand,
    doctorCommand,
    resumeCommand,
    configsCommand,
    pullCommand,
  ]) {
    program.addCommand(
      make(io, setExit)
        .exitOverride()
        .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
        // --config, --journal and --json work after the subcommand too: show them in its --help.
        .configureHelp({ showGlobalOptions: true }),
    );
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    return report(error, io, argv.includes('--json'));
  }
}

function report(error: unknown, io: CliIO, json: boolean): number {
  const code = exitCodeOf(error);
  if (error instanceof CommanderError) return code; // commander already printed usage or help
  const e = error instanceof Error ? error : new Error(String(error));
  const label = (e as { code?: unknown }).code;
  const hint = hintFor(code, typeof label === 'string' ? label : undefined);
  if (json) {
    io.stdout(`${JSON.stringify({ ok: false, exitCode: code, error: describeError(e), hint })}\n`);
  } else {
    io.stderr(`qlib-sync: ${typeof label === 'string' ? `[${label}] ` : ''}${e.message}\n`);
    if (code === EXIT.bug && e.stack) io.stderr(`${e.stack}\n`);
    if (hint !== undefined) io.stderr(`  → ${hint}\n`);
  }
  return code;
}
