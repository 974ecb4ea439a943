import { Command } from 'commander';
import { createPool } from '../adapters/warehouse/pool.js';
import {
  readSlaSettings,
  resetSla,
  type SlaView,
  setSla,
  showSla,
  watchedDatasets,
} from '../adapters/warehouse/sla-store.js';
import { TerminalError } from '../core/errors.js';
import { DEFAULT_DATASET, parseSlaSettings, type SlaSettings } from '../core/sla.js';
import { type CliOut, explainError, runIfMain } from './cli-out.js';

const HELP = `
Every dataset inherits the default ('*'), which inherits the built-in one: calendar of the registry, daily,
Asia/Shanghai, due 17:00, warn 18:00, error 20:00, drift threshold 3.5. Times are HH:MM on the trading day,
or HH:MM+Nd for N days later. --frequency week (month): only the last trading day of each ISO week (month) is due.

Examples:
  $ npm run sla -- show cn_daily
  $ npm run sla -- set '*' --due 16:30 --warn 17:30 --error 19:00
  $ npm run sla -- set alpha_weekly --frequency week --error 09:00+1d
  $ npm run sla -- set us_daily --calendar us --tz America/New_York --due 18:00 --warn 19:00 --error 21:00
  $ npm run sla -- set scratch --off
  $ npm run sla -- set cn_daily --inherit due,warn      # back to the default's times
  $ npm run sla -- reset cn_daily`;

const FIELDS: Record<string, keyof SlaSettings> = {
  calendar: 'calendar',
  frequency: 'frequency',
  tz: 'timeZone',
  due: 'due',
  warn: 'warnAfter',
  error: 'errorAfter',
  drift: 'driftThreshold',
  enabled: 'enabled',
};

interface SetFlags {
  calendar?: string;
  frequency?: string;
  tz?: string;
  due?: string;
  warn?: string;
  error?: string;
  drift?: string;
  on?: boolean;
  off?: boolean;
  inherit?: string;
  by?: string;
}

/** Run the command against `mysqlUrl`; resolves with the exit code (0 ok, 2 bad input, 1 a bug). */
export async function runSlaCli(argv: string[], env: NodeJS.ProcessEnv, io: CliOut): Promise<number> {
  const url = env.MYSQL_URL;
  const pool = url === undefined ? undefined : createPool({ url, connectionLimit: 2 });
  const db = () => {
    if (pool === undefined)
      throw new TerminalError('SLA_CONFIG', 'set MYSQL_URL to the database (npm run sla -- --help)');
    return pool;
  };
  const program = new Command('npm run sla --')
    .description('freshness SLAs of the datasets (the monitor reads them every run)')
    .option('--json', 'JSON on stdout')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .addHelpText('after', HELP);
  const json = () => program.opts<{ json?: boolean }>().json === true;
  const print = (view: SlaView) => io.out(json() ? JSON.stringify(view) : describe(view));
  program
    .command('show [dataset]')
    .description(`one dataset's SLA: what it sets and what applies (default: '${DEFAULT_DATASET}')`)
    .action(async (dataset: string | undefined) => print(await showSla(db(), dataset ?? DEFAULT_DATASET)));
  program
    .command('list')
    .description('every watched dataset and its effective SLA')
    .action(async () => {
      const watched = await watchedDatasets(db());
      const own = await readSlaSettings(db());
      if (json()) io.out(JSON.stringify({ defaults: own.get(DEFAULT_DATASET) ?? {}, datasets: watched }));
      else for (const w of watched) io.out(line(w.sla, w.registryCalendar));
    });
  program
    .command('set <dataset>')
    .description("set some of a dataset's SLA ('*': the default every dataset inherits)")
    .option('--calendar <name>', 'trading calendar (trading_calendar.calendar)')
    .option('--frequency <f>', 'day, week or month')
    .option('--tz <zone>', 'IANA time zone of the times, e.g. Asia/Shanghai')
    .option('--due <HH:MM>', 'when the day is due')
    .option('--warn <HH:MM[+Nd]>', 'late from here on is a warning')
    .option('--error <HH:MM[+Nd]>', 'late from here on is an error')
    .option('--drift <z|off>', 'robust z-score above which a figure is drift; off: no drift check')
    .option('--on', 'watch the dataset')
    .option('--off', 'do not watch the dataset (no freshness, no drift)')
    .option(
      '--inherit <fields>',
      `comma-separated fields to inherit again: ${Object.keys(FIELDS).join(', ')}`,
    )
    .option('--by <name>', 'who changes it (recorded)', env.USER ?? 'cli')
    .action(async (dataset: string, flags: SetFlags) => {
      const { set, unset } = changeOf(flags);
      const { before, after } = await setSla(db(), dataset, { set, unset }, flags.by ?? 'cli');
      if (json()) io.out(JSON.stringify({ before, after }));
      else io.out(`${describe(after)}\n(was: ${line(before.effective)})`);
    });
  program
    .command('reset <dataset>')
    .description('forget what a dataset sets: it inherits everything again')
    .action(async (dataset: string) => {
      const removed = await resetSla(db(), dataset);
      io.out(
        json()
          ? JSON.stringify({ reset: dataset, removed })
          : `${dataset}: ${removed ? 'reset' : 'had nothing set'}`,
      );
    });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    return explainError(error, io);
  } finally {
    await pool?.end();
  }
}

/** Flags → settings, checked with the SLA schema (every problem at once). */
function changeOf(flags: SetFlags): { set: SlaSettings; unset: (keyof SlaSettings)[] } {
  if (flags.on && flags.off) throw new TerminalError('SLA_INVALID', '--on and --off contradict each other');
  const raw: Record<string, unknown> = {};
  if (flags.calendar !== undefined) raw.calendar = flags.calendar;
  if (flags.frequency !== undefined) raw.frequency = flags.frequency;
  if (flags.tz !== undefined) raw.timeZone = flags.tz;
  if (flags.due !== undefined) raw.due = flags.due;
  if (flags.warn !== undefined) raw.warnAfter = flags.warn;
  if (flags.error !== undefined) raw.errorAfter = flags.error;
  if (flags.drift !== undefined) raw.driftThreshold = flags.drift === 'off' ? null : Number(flags.drift);
  if (flags.on || flags.off) raw.enabled = flags.on === true;
  const unset = (flags.inherit ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '')
    .map((f) => {
      const field = FIELDS[f];
      if (field === undefined)
        throw new TerminalError(
          'SLA_INVALID',
          `--inherit: unknown field ${f} (${Object.keys(FIELDS).join(', ')})`,
        );
      return field;
    });
  return { set: parseSlaSettings(raw), unset };
}

function describe(view: SlaView): string {
  const own = Object.keys(view.own).length === 0 ? 'nothing (inherits all)' : JSON.stringify(view.own);
  return `${line(view.effective)}\n  sets: ${own}`;
}

function line(s: SlaView['effective'], registryCalendar?: string | null): string {
  const calendar =
    s.calendar ?? (registryCalendar ? `${registryCalendar} (registry)` : 'registry / only loaded');
  const drift = s.driftThreshold === null ? 'off' : `z>${s.driftThreshold}`;
  return `${s.dataset}: ${s.enabled ? 'on' : 'OFF'}, ${s.frequency}, calendar ${calendar}, due ${s.due} warn ${s.warnAfter} error ${s.errorAfter} ${s.timeZone}, drift ${drift}`;
}

runIfMain(import.meta.url, runSlaCli);
