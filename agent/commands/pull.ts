import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { apiClient, apiTargetOf } from '../api-client.js';
import type { CliIO, GlobalOptions } from '../cli-io.js';
import { Output } from '../cli-io.js';
import { EXIT } from '../exit-codes.js';
import { type PullSummary, pull } from '../pull/pull.js';
import { logPullProgress, ttyPullProgress } from '../pull/pull-progress.js';
import { verifyPull } from '../pull/verify.js';
import { loggerFor } from '../wiring.js';
import { list, positiveInt } from './option-parsers.js';

const HELP = `
Writes the cloud's factors as a qlib provider directory (calendars/day.txt,
instruments/all.txt, features/<symbol>/<field>.day.bin) through the HTTP API: a
training node needs a token with read:data, never database credentials. The first
pull writes everything; later pulls append the new days in place and rewrite only
the files a restatement changed. Each pull is one generation committed with a single
rename: qlib reading DIR sees the old snapshot or the new one, and a pull killed at
any point leaves the old one (the next pull completes). DIR/.qlib-sync-snapshot holds
the snapshot (batch id) a training run should record as qlib_sync.snapshot.

The API: --api-url or QLIB_SYNC_API_URL; the token: QLIB_SYNC_API_TOKEN, or a file
(--token-file or QLIB_SYNC_API_TOKEN_FILE). Transient failures (5xx, resets) are
retried with backoff. Exit codes: 0 ok, 2 usage, 3 token/dataset/directory refused,
4 --verify found differences, 5 the API unreachable after retries, 6 another pull
is writing DIR.

Examples:
  $ qlib-sync pull --dataset cn_daily --to /data/qlib_cloud
  $ qlib-sync pull --dataset alpha158 --to /data/qlib_cloud --fields KMID,ROC5 --start 2020-01-01
  $ qlib-sync pull --dataset alpha158 --to /data/qlib_cloud --market csi300
  $ qlib-sync pull --dataset cn_daily --to /data/qlib_cloud --verify --json
Then in Python: qlib.init(provider_uri="/data/qlib_cloud"). docs/pull.md has more.
`;

interface PullFlags {
  dataset: string;
  to: string;
  fields?: string[];
  start?: string;
  market?: string;
  verify?: boolean;
  apiUrl?: string;
  tokenFile?: string;
  retries: number;
}

/** `qlib-sync pull`: the cloud's factors as a qlib provider directory, incrementally and atomically. */
export function pullCommand(io: CliIO, setExit: (code: number) => void): Command {
  return new Command('pull')
    .description('write a dataset from the cloud into a qlib provider directory (incremental, atomic)')
    .requiredOption('--dataset <name>', 'the factor dataset to pull')
    .requiredOption('--to <dir>', 'the provider directory (qlib.init(provider_uri=DIR))')
    .option('--fields <list>', 'comma-separated fields (default: every column)', list)
    .option('--start <date>', 'first trade date to pull (YYYY-MM-DD)', date)
    .option('--market <name>', 'only the members of this market; writes instruments/<market>.txt too')
    .option(
      '--verify',
      'compare every file with what the cloud serves for the pulled snapshot; writes nothing',
    )
    .option('--api-url <url>', 'the HTTP API (default QLIB_SYNC_API_URL)')
    .option('--token-file <file>', 'a file holding the API token (default QLIB_SYNC_API_TOKEN)')
    .option('--retries <n>', 'attempts per request on transient failures', positiveInt, 5)
    .addHelpText('after', HELP)
    .action(async (flags: PullFlags, command: Command) => {
      const globals = command.optsWithGlobals() as GlobalOptions;
      const out = new Output(io, globals.json ?? false);
      const logger = loggerFor(io);
      const api = apiClient({
        ...apiTargetOf(flags, io.env),
        retry: { attempts: flags.retries, baseMs: 500, maxMs: 10_000 },
        ...(io.sleep === undefined ? {} : { sleep: io.sleep }),
        onRetry: (error, attempt, delayMs) => logger.warn('retrying', { code: error.code, attempt, delayMs }),
      });
      const dir = resolve(flags.to);
      const progress =
        io.isTTY && !out.json ? ttyPullProgress(flags.dataset, io.stderr) : logPullProgress(logger);
      if (flags.verify) {
        const report = await verifyPull(api, dir, () => progress.update(0, 1, api.received.bytes));
        progress.done();
        const lines = report.differ.map(
          (d) =>
            `  ${d.file}: disk ${d.disk?.slice(0, 12) ?? 'missing'}, cloud ${d.cloud?.slice(0, 12) ?? 'none'}`,
        );
        out.result(
          { ok: report.differ.length === 0, ...report },
          report.differ.length === 0
            ? `verified ${report.checked} files of ${report.dataset} snapshot ${report.snapshot}: all equal what the cloud serves`
            : [
                `${report.differ.length} of ${report.checked} files differ from snapshot ${report.snapshot}:`,
                ...lines,
                'run `qlib-sync pull --to DIR` into a new directory, or delete DIR/.qlib-sync and pull again',
              ].join('\n'),
        );
        if (report.differ.length > 0) setExit(EXIT.data);
        return;
      }
      const summary = await pull(
        api,
        {
          dataset: flags.dataset,
          dir,
          fields: flags.fields ?? null,
          start: flags.start ?? null,
          market: flags.market ?? null,
        },
        progress,
      );
      out.result({ ok: true, ...summary }, describe(summary));
      if (summary.days.calendarChangedAt !== null)
        out.warn(
          `qlib-sync: the calendar changed at ${summary.days.calendarChangedAt} (not an append): every file from that day on was rewritten`,
        );
    });
}

function describe(s: PullSummary): string {
  const mib = (b: number) => `${(b / 1048576).toFixed(2)} MiB`;
  if (s.mode === 'up-to-date') return `${s.dir} already holds ${s.dataset} snapshot ${s.snapshot}`;
  const i = s.instruments;
  const lines = [
    `pulled ${s.dataset} snapshot ${s.snapshot} into ${s.dir} (${s.mode}: ${s.why})`,
    `  ${s.days.total} days${s.days.appended > 0 && s.mode === 'incremental' ? `, ${s.days.appended} appended` : ''}; instruments: ${i.new} new, ${i.appended} appended, ${i.rewritten} rewritten, ${i.linked} unchanged, ${i.dropped} dropped`,
    `  files: ${s.files.written} written, ${s.files.appended} appended, ${s.files.linked} unchanged; ${mib(s.bytesWritten)} written, ${mib(s.bytesReceived)} received in ${s.requests} requests, ${s.seconds.toFixed(1)} s`,
  ];
  if (s.restated.length > 0) {
    lines.push(
      `  restated: ${s.restated.map((r) => `${r.start}..${r.end}`).join(', ')} — clear qlib's caches before training (docs/pull.md)`,
    );
  }
  if (s.offCalendarRows > 0)
    lines.push(`  ${s.offCalendarRows} rows on days outside the calendar were not written`);
  return lines.join('\n');
}

function date(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new InvalidArgumentError('expected a date YYYY-MM-DD');
  }
  return value;
}
