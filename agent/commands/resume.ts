import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import type { CliIO, GlobalOptions } from '../cli-io.js';
import { isQuiet, Output } from '../cli-io.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { PENDING_STATES } from '../journal/entry.js';
import { acquireLock } from '../journal/lock.js';
import { resumePending } from '../upload/pending.js';
import { retrigger } from '../upload/retrigger.js';
import { contextFor } from '../wiring.js';

const HELP = `
A batch stays in the journal as built or uploading when the agent was killed, the
machine lost power or OSS could not be reached. resume finishes each one: a multipart
upload continues from its journaled parts without re-sending them, the payload's
CRC-64 is checked, and the manifest goes last. push does the same before its own batch.

Before a batch that was tried before goes again, the cloud is asked whether it already has it
(its status object, its manifest in incoming/, loaded/ or quarantine/): a batch OSS got before
the agent could journal it is not sent twice.

--drop forgets one unfinished batch (its journal entry and spooled payload), e.g. when
its spool file was deleted; push the source again afterwards.

--retrigger fires ingest again for an uploaded batch that never got a status (status and
doctor flag it OVERDUE: the OSS event was lost): its manifest is uploaded again, unchanged,
once the cloud has no status for it and its payload is still in incoming/.

Examples:
  $ qlib-sync resume
  $ qlib-sync resume --drop 20240102T180000123Z-3fa2c1d09e7b
  $ qlib-sync resume --retrigger 20240102T180000123Z-3fa2c1d09e7b
`;

/** `qlib-sync resume`: finish batches left in built/uploading. */
export function resumeCommand(io: CliIO, setExit: (code: number) => void): Command {
  return new Command('resume')
    .description('finish every batch left in built/uploading (after a crash or a network failure)')
    .option('--drop <batch-id>', 'forget one unfinished batch instead')
    .option(
      '--retrigger <batch-id>',
      'upload the manifest of an overdue batch again (its OSS event was lost)',
    )
    .addHelpText('after', HELP)
    .action(async (options: { drop?: string; retrigger?: string }, command: Command) => {
      const globals = command.optsWithGlobals() as GlobalOptions;
      const quiet = isQuiet(io, globals);
      const out = new Output(io, globals.json ?? false, quiet);
      const ctx = contextFor(io, globals, quiet);
      const release = acquireLock(ctx.journal.dir);
      try {
        ctx.journal.cleanTemps();
        if (options.drop !== undefined && options.retrigger !== undefined) {
          throw new UsageError('give either --drop or --retrigger, not both');
        }
        if (options.retrigger !== undefined) {
          const outcome = await retrigger(ctx, options.retrigger);
          const human =
            outcome.status === 'retriggered'
              ? `re-triggered ${outcome.batchId}: its manifest was uploaded again; \`qlib-sync status\` shows what ingest decides`
              : `${outcome.batchId} is already ${outcome.state}: ${outcome.summary}; nothing sent`;
          out.result(outcome, human);
        } else if (options.drop !== undefined) {
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
