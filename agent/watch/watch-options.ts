import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { TerminalError } from '../../core/errors.js';
import { UsageError } from '../exit-codes.js';
import { checkProviderDir } from '../sources/qlib-dir.js';
import { checkRequest, type SourceRequest } from '../sources/source-request.js';
import type { WatchOptions } from './watcher.js';

const QLIB_ONLY = [
  ['fields', '--fields'],
  ['market', '--market'],
  ['instruments', '--instruments'],
  ['calendarDataset', '--calendar-dataset'],
  ['allowFullHistory', '--allow-full-history'],
  ['includeUnlisted', '--include-unlisted'],
] as const;

/**
 * Everything about `watch` that can be wrong before it starts, checked once like push does: a command
 * line that cannot work is UsageError (exit 2), a missing directory TerminalError (exit 4). Inside the
 * rounds it would only be logged, every round, forever.
 */
export function checkWatchOptions(options: WatchOptions): void {
  const { qlibDir, exportDir } = options;
  if (qlibDir === undefined && exportDir === undefined)
    throw new UsageError('give --qlib-dir and/or --export-dir');
  if (qlibDir === undefined) {
    const stray = QLIB_ONLY.find(([key]) => options[key] !== undefined);
    if (stray !== undefined) throw new UsageError(`${stray[1]} applies to --qlib-dir`);
  } else {
    const { calendar, factors } = qlibRequests(options, qlibDir);
    checkRequest(factors);
    if (calendar !== undefined) checkRequest(calendar);
  }
  if (exportDir !== undefined) checkRequest({ path: exportDir, from: 'csv', dataset: options.dataset });
  if (qlibDir !== undefined) checkProviderDir(resolve(qlibDir));
  if (exportDir !== undefined && !(existsSync(exportDir) && statSync(exportDir).isDirectory()))
    throw new TerminalError('EXPORT_DIR_NOT_FOUND', `export directory ${resolve(exportDir)} does not exist`);
}

/** What each qlib round pushes: the calendar (with --calendar-dataset), then the factors since the last date. */
export function qlibRequests(
  options: WatchOptions,
  qlibDir: string,
): { calendar?: SourceRequest; factors: SourceRequest } {
  const factors: SourceRequest = { path: qlibDir, from: 'qlib', dataset: options.dataset, sinceLast: true };
  if (options.allowFullHistory) factors.allowFullHistory = true;
  if (options.includeUnlisted) factors.includeUnlisted = true;
  if (options.fields !== undefined) factors.fields = options.fields;
  if (options.market !== undefined) factors.market = options.market;
  if (options.instruments !== undefined) factors.instruments = options.instruments;
  if (options.calendarDataset === undefined) return { factors };
  const calendar: SourceRequest = {
    path: qlibDir,
    from: 'calendar',
    dataset: options.calendarDataset,
    sinceLast: true,
  };
  if (options.allowFullHistory) calendar.allowFullHistory = true;
  return { calendar, factors };
}
