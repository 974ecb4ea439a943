import { Command } from 'commander';
import type { CliIO, GlobalOptions } from '../cli-io.js';
import { Output } from '../cli-io.js';
import { acquireLock } from '../journal/lock.js';
import { checkWatchOptions } from '../watch/watch-options.js';
import { runWatch, type WatchOptions } from '../watch/watcher.js';
import { contextFor } from '../wiring.js';
import { list, seconds } from './option-parsers.js';

const HELP = `
Watches a qlib provider directory and/or a directory of export files.
qlib: after any change (qlib's dump_update writes calendars/day.txt first, then the .bin
files, then instruments/ last) it waits until the directory has been quiet for
--quiet seconds, then pushes incrementally (like push --since-last): the dates after the
last one pushed for --dataset, and again the dates already sent whose values appeared later
(within lateDays). With --calendar-dataset it pushes the calendar first. History rewritten
under dates already sent (dump_fix) is reported, with the push --start/--end that sends it.
A dataset nothing was pushed of yet needs --allow-full-history (or a first push).
exports: every new or changed .csv, .csv.gz, .parquet or .pq file, once it is quiet, is
pushed as one batch of its own (content pushed before is recognised and not sent again).
A file that fails for good (blocked by the quality rules, malformed) is logged and left
alone until it changes; one that failed transiently (OSS unreachable) is tried again at the
next round; the other files go on either way.
The options are checked before it starts: exit 2 for a command line that cannot work, 4 for
a missing directory. With --json every push (or failure) is one JSON line on stdout.
SIGINT/SIGTERM stop it after the push in progress (a second signal stops at once; the
journal resumes the upload next time).

Examples:
  $ qlib-sync watch --qlib-dir ~/.qlib/qlib_data/cn_data --dataset cn_daily \\
      --fields open,close,high,low,volume,factor --market csi300 --calendar-dataset cn
  $ qlib-sync watch --export-dir /data/exports --dataset alpha158 --exclude label
  $ qlib-sync watch --qlib-dir /data/qlib/cn_data --dataset cn_etf --fields close \\
      --include-unlisted --allow-full-history
`;

/** `qlib-sync watch`: the daemon. */
export function watchCommand(io: CliIO, setExit: (code: number) => void): Command {
  return new Command('watch')
    .description('daemon: push qlib updates and new export files as they appear')
    .option('--qlib-dir <dir>', 'qlib provider directory to watch')
    .option('--export-dir <dir>', 'directory of CSV/Parquet exports to watch')
    .requiredOption('--dataset <name>', 'dataset the batches belong to')
    .option('--fields <list>', "qlib: the fields to push (close, not qlib's $close)", list)
    .option('--market <name>', 'qlib: instruments/<name>.txt selects the rows (default all)')
    .option('--instruments <list>', 'qlib: explicit instrument codes', list)
    .option('--calendar-dataset <name>', 'qlib: also push the trading calendar under this name (e.g. cn)')
    .option('--allow-full-history', 'qlib: send everything when nothing of the dataset was pushed yet')
    .option(
      '--include-unlisted',
      'qlib, --market all: also feature directories instruments/all.txt does not list',
    )
    .option('--float64', 'exports: keep DOUBLE precision')
    .option('--exclude <list>', 'exports: columns or groups to leave out', list)
    .option('--quiet <seconds>', 'wait until nothing changed for this long', seconds, 30)
    .option('--poll <seconds>', 'how often to look', seconds, 2)
    .addHelpText('after', HELP)
    .action(async (o: Record<string, unknown>, command: Command) => {
      const globals = command.optsWithGlobals() as GlobalOptions;
      const options = {
        ...o,
        quietMs: (o.quiet as number) * 1000,
        pollMs: (o.poll as number) * 1000,
      } as unknown as WatchOptions;
      checkWatchOptions(options); // once, before config and credentials: exit 2 or 4 like push
      const ctx = contextFor(io, globals);
      const release = acquireLock(ctx.journal.dir);
      try {
        ctx.journal.cleanTemps();
        const out = new Output(io, globals.json ?? false);
        await runWatch(ctx, options, out, io.stop ?? new AbortController().signal);
        setExit(0);
      } finally {
        release();
      }
    });
}
