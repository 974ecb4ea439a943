import { Command, Option } from 'commander';
import type { CliIO, GlobalOptions } from '../cli-io.js';
import { isQuiet, Output } from '../cli-io.js';
import type { AgentContext } from '../context.js';
import { acquireLock } from '../journal/lock.js';
import type { PushResult } from '../push.js';
import { pushRequest } from '../push-request.js';
import { checkRequest, type SourceRequest, type SourceType } from '../sources/source-request.js';
import { batchMibOf, describeOutcome, type PushOutcome } from '../split/push-split.js';
import { resumePending } from '../upload/pending.js';
import { waitForIngest } from '../wait-for-ingest.js';
import { contextFor } from '../wiring.js';
import { list, minutes } from './option-parsers.js';

const HELP = `
Sources (the type is guessed from the path; --from overrides it):
  qlib       a qlib provider directory (calendars/day.txt, instruments/<market>.txt,
             features/<inst>/<field>.day.bin). Columns are the --fields as given (float32).
             Rows with --market M (default: all): every (date, instrument) inside one of
             the instrument's membership intervals in instruments/M.txt.
             Rows with --instruments A,B: every date on which at least one requested field
             file of the instrument has a value slot ([start, start+n-1] of its .bin).
             Both are cut to --start/--end (default: the whole calendar) or --since-last.
             A missing field file, or a date outside a file's span, is NULL. An instrument
             without any of the field files is pushed all NULL and named in a warning; with
             --market all, feature directories all.txt leaves out (ETFs) are named in a
             warning, and pushed with --include-unlisted.
             --since-last starts the day after the last date pushed for the dataset. The
             journal records, per instrument, what was sent; a date already sent whose values
             or rows appeared later (a .bin that grew for a day in the calendar) is sent again
             when it is within lateDays (config, default 20 trading days): the batch restates
             it whole. Older ones, and history rewritten under dates already sent (qlib's
             dump_fix), are not sent: a warning names them and the push that sends them.
             With no batch of the dataset in the journal it starts after the last date the
             bucket holds, and with none there it refuses (exit 2) unless --allow-full-history.
  csv        a CSV pandas wrote from a qlib handler (DataFrame.to_csv), single or MultiIndex
             header, .csv or .csv.gz; NaN (empty) is NULL; columns float32 unless --float64.
  parquet    a Parquet file pandas/pyarrow wrote (df.to_parquet()), .parquet or .pq.
  calendar   --from calendar with <path> a qlib directory: its trading calendar
             (calendars/day.txt) as a batch of kind calendar; --dataset names it (e.g. cn).

Before anything is uploaded the batch runs through the same quality rules as ingest; a
blocking finding stops the push and prints its code, count and first examples.
A long range goes up as several batches of whole days, at most about --batch-mib MiB of
rows each (default 128): each batch commits in one MySQL transaction, and RDS writes
every transaction to its binary log (docs/deploy.md). A restatement of the range is a
restatement of each batch's days; each batch loads on its own, all or nothing. Content
pushed before (same dataset, same bytes) is not sent again. Unfinished uploads from
earlier runs are finished first.

--wait waits for ingest's verdict on the batch (each batch of a split push; their status objects): 0 when loaded (or
a duplicate of content loaded before), 4 when ingest rejected it (the reason is printed),
7 when ingest said nothing within the minutes given (default ingestOverdueMinutes, 30).

Off a terminal (cron, a pipe) a successful push prints nothing; --verbose prints the result
and progress, --json the result document. Failures are always printed (stderr).

Exit codes: 0 ok or nothing to do, 2 usage (checked first), 3 config/credentials, a clock
more than 15 min off or a store that refuses the request, 4 invalid input data (including a
missing source, and with --wait a batch ingest rejected), 5 OSS unreachable after retries,
6 journal busy, 7 (--wait) no verdict from ingest in time, 1 bug.

Examples:
  $ qlib-sync push ~/.qlib/qlib_data/cn_data --dataset cn_daily \\
      --fields open,close,high,low,volume,factor --market csi300 --since-last
  $ qlib-sync push ~/.qlib/qlib_data/cn_data --from calendar --dataset cn --since-last
  $ qlib-sync push exports/alpha158_20240102.csv --dataset alpha158 --exclude label
  $ qlib-sync push exports/alpha158.parquet --dataset alpha158 --json
  $ qlib-sync push ~/.qlib/qlib_data/cn_data --dataset cn_daily --fields close --since-last --wait 20
  $ qlib-sync push ~/.qlib/qlib_data/cn_data --dataset cn_all --fields close,volume \\
      --include-unlisted --since-last --allow-full-history --verbose
`;

/** `qlib-sync push`: one-shot, cron-friendly. */
export function pushCommand(io: CliIO, setExit: (code: number) => void): Command {
  return new Command('push')
    .description('build one batch from a qlib directory, CSV or Parquet export and upload it to OSS')
    .argument(
      '<path>',
      'a qlib directory (also with --from calendar), a .csv/.csv.gz or a .parquet/.pq export file',
    )
    .addOption(
      new Option('--from <type>', 'what the path is').choices(['qlib', 'csv', 'parquet', 'calendar']),
    )
    .requiredOption('--dataset <name>', 'dataset name (lower-case, e.g. alpha158; for a calendar e.g. cn)')
    .option(
      '--fields <list>',
      "qlib: comma-separated field names, the columns (close, not qlib's $close)",
      list,
    )
    .option('--market <name>', 'qlib: instruments/<name>.txt selects the rows (default all)')
    .option('--instruments <list>', 'qlib: comma-separated instrument codes instead of a market', list)
    .option('--start <date>', 'qlib/calendar: first date YYYY-MM-DD')
    .option('--end <date>', 'qlib/calendar: last date YYYY-MM-DD')
    .option(
      '--since-last',
      'qlib/calendar: from the day after the last date pushed (and dates already sent that got values late)',
    )
    .option(
      '--allow-full-history',
      'with --since-last: send everything when nothing of the dataset was pushed yet',
    )
    .option(
      '--include-unlisted',
      'qlib, --market all: also feature directories instruments/all.txt does not list',
    )
    .option('--float64', "exports: keep DOUBLE precision (default float32, qlib's own)")
    .option(
      '--exclude <list>',
      'exports: columns or column groups to leave out (label = label columns)',
      list,
    )
    .option('--calendar-dir <dir>', 'exports: a qlib directory whose calendar the dates are checked against')
    .option(
      '--batch-mib <mib>',
      'split a long range into batches of at most about this many MiB of rows, whole days each (default 128, or QLIB_SYNC_BATCH_MIB; 0: one batch)',
    )
    .option(
      '--wait [minutes]',
      "wait for ingest's verdict: exit 0 loaded, 4 rejected, 7 none in time (default ingestOverdueMinutes)",
      minutes,
    )
    .addHelpText('after', HELP)
    .action(async (path: string, options: PushOptions, command: Command) => {
      const globals = command.optsWithGlobals() as GlobalOptions;
      const quiet = isQuiet(io, globals);
      const out = new Output(io, globals.json ?? false, quiet);
      const request = requestOf(path, options);
      checkRequest(request); // a usage error is exit 2 before config, credentials or network
      const batchMib = batchMibOf(io.env, options.batchMib as string | undefined);
      const ctx = { ...contextFor(io, globals, quiet), batchMib };
      const release = acquireLock(ctx.journal.dir);
      try {
        ctx.journal.cleanTemps();
        const { corrupt } = ctx.journal.list();
        if (corrupt.length > 0) {
          const message =
            'corrupt journal files (doctor names them): --since-last and duplicate detection cannot see those batches';
          ctx.logger.warn(message, { files: corrupt.map((e) => e.details.file) });
        }
        const resumed = await resumePending(ctx);
        for (const entry of resumed.finished) out.say(`resumed ${entry.manifest.batchId}: uploaded`);
        for (const error of resumed.broken) out.warn(`could not resume: ${error.message}`);
        const pushed = await pushRequest(ctx, request);
        const wait = options.wait === true ? ctx.settings.ingestOverdueMinutes : options.wait;
        const result = typeof wait === 'number' ? await withVerdict(ctx, pushed, wait) : pushed;
        // Quiet, the quality warnings are not printed either: they go up in the batch and ingest, which
        // runs the same rules, alerts on them (docs/ingest.md, "Alerts").
        out.result(result, describeOutcome(result));
        setExit(0);
      } finally {
        release();
      }
    });
}

type PushOptions = Record<string, unknown> & { wait?: true | number };

/** `--wait`: each pushed batch (or the one that already holds its content) with ingest's status, in order. */
async function withVerdict(ctx: AgentContext, outcome: PushOutcome, minutes: number): Promise<PushOutcome> {
  if (outcome.status !== 'split') return verdictOf(ctx, outcome, minutes);
  const batches: PushResult[] = [];
  for (const batch of outcome.batches) batches.push(await verdictOf(ctx, batch, minutes));
  return { ...outcome, batches };
}

async function verdictOf(ctx: AgentContext, result: PushResult, minutes: number): Promise<PushResult> {
  if (result.status === 'empty') return result;
  const entry = await waitForIngest(ctx, result.batchId, minutes);
  return entry.cloud === undefined ? result : { ...result, ingest: entry.cloud };
}

function requestOf(path: string, o: Record<string, unknown>): SourceRequest {
  const request: SourceRequest = { path, dataset: o.dataset as string };
  if (o.from !== undefined) request.from = o.from as SourceType;
  for (const key of ['fields', 'market', 'instruments', 'start', 'end', 'exclude', 'calendarDir'] as const) {
    if (o[key] !== undefined) (request as unknown as Record<string, unknown>)[key] = o[key];
  }
  if (o.sinceLast === true) request.sinceLast = true;
  if (o.allowFullHistory === true) request.allowFullHistory = true;
  if (o.includeUnlisted === true) request.includeUnlisted = true;
  if (o.float64 === true) request.float64 = true;
  return request;
}
