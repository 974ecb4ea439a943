import { Command } from 'commander';
import { PipelineError } from '../../core/errors.js';
import type { CliIO, GlobalOptions } from '../cli-io.js';
import { clockOf, Output } from '../cli-io.js';
import { refreshCloudState } from '../cloud-status.js';
import type { JournalEntry } from '../journal/entry.js';
import { Journal } from '../journal/journal.js';
import { findOverdue, type OverdueBatch } from '../overdue.js';
import { loadLocalSettings } from '../settings.js';
import { loggerFor, settingsFor, storeFor } from '../wiring.js';
import { positiveInt } from './option-parsers.js';

const HELP = `
States: built → uploading → uploaded → loaded | rejected | duplicate. The last three come
from the status object ingest writes (status/<kind>/<dataset>/<batch-id>.json); status
reads it for every batch still "uploaded". For a rejected batch the summary says why and
reason.json in quarantine/ has the details. A batch still "uploaded" longer than
ingestOverdueMinutes (config, default 30) is flagged OVERDUE: the OSS event that triggers
ingest was probably lost; \`qlib-sync resume --retrigger <batch-id>\` sends its manifest
again. --offline reads only the local journal: no bucket, region or credentials are needed.

Examples:
  $ qlib-sync status
  $ qlib-sync status --limit 50 --json | jq '.batches[] | select(.state=="rejected")'
  $ qlib-sync status --json | jq -r '.overdue[].batchId'
`;

/** `qlib-sync status`: recent batches and their cloud state. */
export function statusCommand(io: CliIO, setExit: (code: number) => void): Command {
  return new Command('status')
    .description('recent batches with their cloud state (loaded / rejected / duplicate / overdue)')
    .option('--limit <n>', 'how many recent batches', positiveInt, 20)
    .option('--offline', 'do not read status objects from OSS')
    .addHelpText('after', HELP)
    .action(async (options: { limit: number; offline?: boolean }, command: Command) => {
      const globals = command.optsWithGlobals() as GlobalOptions;
      const out = new Output(io, globals.json ?? false);
      // Offline it reads the local journal only: no bucket, region or credentials needed.
      const settings = options.offline ? undefined : settingsFor(io, globals);
      const local = settings ?? localSettings(io, globals);
      const journal = Journal.open(local.journalDir);
      const { entries, corrupt } = journal.list();
      const logger = loggerFor(io);
      let recent = entries.slice(-options.limit).reverse();
      let refreshed = false;
      if (settings !== undefined && recent.some((e) => e.state === 'uploaded')) {
        try {
          const store = storeFor(io, settings);
          recent = await Promise.all(recent.map((e) => refreshCloudState(store, journal, e, clockOf(io))));
          refreshed = true;
        } catch (error) {
          // The journal's view is still worth showing; say why it may be stale.
          if (!(error instanceof PipelineError)) throw error;
          logger.warn('could not read the status objects; showing the journal as it is', { error });
        }
      }
      for (const error of corrupt) logger.warn('corrupt journal file; run qlib-sync doctor', { error });
      const overdue = findOverdue(recent, clockOf(io)(), local.ingestOverdueMinutes);
      const rows = recent.map((e) => view(e, overdue));
      const document = { batches: rows, refreshed, overdue, corrupt: corrupt.map((e) => e.message) };
      out.result(document, table(rows, overdue, corrupt.length));
      setExit(0);
    });
}

function localSettings(io: CliIO, globals: GlobalOptions) {
  const local = loadLocalSettings({ configPath: globals.config, env: io.env, home: io.home });
  return globals.journal === undefined ? local : { ...local, journalDir: globals.journal };
}

interface BatchView {
  batchId: string;
  kind: string;
  dataset: string;
  state: string;
  rows: number;
  dateRange: { start: string; end: string };
  note: string;
  /** Uploaded longer than ingestOverdueMinutes ago without a status from ingest. */
  overdue?: true;
  cloud?: JournalEntry['cloud'];
}

function view(e: JournalEntry, overdue: readonly OverdueBatch[]): BatchView {
  const m = e.manifest;
  const late = overdue.find((o) => o.batchId === m.batchId);
  const note =
    e.cloud?.summary ??
    (late ? `OVERDUE: no status from ingest for ${late.waitedMinutes} min` : undefined) ??
    e.lastError?.message.split('\n')[0] ??
    '';
  const out: BatchView = {
    batchId: m.batchId,
    kind: m.kind,
    dataset: m.dataset,
    state: e.state,
    rows: m.rowCount,
    dateRange: m.dateRange,
    note,
  };
  if (late !== undefined) out.overdue = true;
  if (e.cloud !== undefined) out.cloud = e.cloud;
  return out;
}

function table(rows: BatchView[], overdue: readonly OverdueBatch[], corrupt: number): string {
  if (rows.length === 0 && corrupt === 0) return 'no batches in the journal yet';
  const lines = rows.map((r) =>
    [
      r.batchId,
      `${r.kind}/${r.dataset}`.padEnd(24),
      r.state.padEnd(9),
      String(r.rows).padStart(9),
      `${r.dateRange.start}..${r.dateRange.end}`,
      r.note,
    ].join('  '),
  );
  const header = [
    'BATCH'.padEnd(32),
    'DATASET'.padEnd(24),
    'STATE'.padEnd(9),
    'ROWS'.padStart(9),
    'DATES'.padEnd(22),
    'NOTE',
  ].join('  ');
  const warnings = [
    ...overdue.map((o) => `OVERDUE ${o.message}`),
    ...(corrupt > 0 ? [`${corrupt} corrupt journal file(s): run qlib-sync doctor`] : []),
  ];
  return [header, ...lines, ...warnings].join('\n');
}
