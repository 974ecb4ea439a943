import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import type { CliIO, GlobalOptions } from '../cli-io.js';
import { isQuiet, Output } from '../cli-io.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { PENDING_STATES } from '../journal/entry.js';
import { acquireLock } from '../journal/lock.js';
import { resumePending } from '../push.js';
import { contextFor } from '../wiring.js';

const HELP = `
A batch stays in the journal as built or uploading when the agent was killed, the
machine lost power or OSS could not be reached. resume finishes each one: a multipart
upload continues from its checkpoint without re-sending finished parts, the payload's
CRC-64 is checked, and the manifest goes last. push does the same before its own batch.

--drop forgets one unfinished batch (its journal entry and spooled payload), e.g. when
its spool file was deleted; push the source again afterwards.

Examples:
  $ qlib-sync resume
  $ qlib-sync resume --drop 20240102T180000123Z-3fa2c1d09e7b
`;

/** `qlib-sync resume`: finish batches left in built/uploading. */
export function resumeCommand(io: CliIO, setExit: (code: number) => void): Command {
  return new Command('resume')
    .description('finish every batch left in built/uploading (after a crash or a network failure)')
    .option('--drop <batch-id>', 'forget one unfinished batch instead')
    .addHelpText('after', HELP)
    .action(async (options: { drop?: string }, command: Command) => {
      const globals = command.optsWithGlobals() as GlobalOptions;
      const quiet = isQuiet(io, globals);
      const out = new Output(io, globals.json ?? false, quiet);
      const ctx = contextFor(io, globals, quiet);
      const release = acquireLock(ctx.journal.dir);
      try {
        ctx.journal.cleanTemps();
        if (options.drop !== undefined) {
          const entry = ctx.journal.get(options.drop);
          if (entry === undefined || !PENDING_STATES.includes(entry.state)) {
            throw new UsageError(`${options.drop} is not an unfinished batch in ${ctx.journal.dir}`);
          }
          if (entry.spoolPath !== undefined) rmSync(entry.spoolPath, { force: true });
          rmSync(join(ctx.journal.batchesDir, `${options.drop}.json`));
          out.result({ dropped: options.drop }, `dropped ${options.drop}`);
        } else {
          const { finished, broken } = await resumePending(ctx);
          const ids = finished.map((e) => e.manifest.batchId);
          const lines = [...ids.map((id) => `uploaded ${id}`), ...broken.map((e) => `FAILED ${e.message}`)];
          out.result(
            { resumed: ids, failed: broken.map((e) => ({ code: e.code, message: e.message })) },
            lines.length === 0 ? 'nothing to resume' : lines.join('\n'),
          );
          // Quiet (cron): what could not be finished is still said, on stderr.
          if (quiet && !out.json) for (const e of broken) out.warn(`FAILED ${e.message}`);
          if (broken.length > 0) {
            setExit(EXIT.data);
            return;
          }
        }
        setExit(0);
      } finally {
        release();
      }
    });
}
