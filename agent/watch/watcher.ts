import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PipelineError } from '../../core/errors.js';
import type { Output } from '../cli-io.js';
import type { AgentContext } from '../context.js';
import { pushRequest } from '../push-request.js';
import { resumePending } from '../upload/pending.js';
import { ChangeMonitor } from './change-monitor.js';
import { type ExportMemory, pushExports } from './export-round.js';
import { qlibRequests } from './watch-options.js';
import { reportFailure, reportPush } from './watch-report.js';

export interface WatchOptions {
  qlibDir?: string;
  exportDir?: string;
  dataset: string;
  fields?: string[];
  market?: string;
  instruments?: string[];
  /** Also push the trading calendar under this dataset name, before the factors. */
  calendarDataset?: string;
  allowFullHistory?: boolean;
  includeUnlisted?: boolean;
  float64?: boolean;
  exclude?: string[];
  quietMs: number;
  pollMs: number;
}

/**
 * The daemon: waits for a qlib update (or new export files) to go quiet, then pushes incrementally
 * (`--since-last`); export files are pushed one by one, each once (export-round.ts). Failures are logged
 * and the watch goes on: a transient one is retried at the next round, a terminal one when its input
 * changes. Options are checked before it starts (watch-options.ts). Returns when `stop` is aborted,
 * after the current push.
 */
export async function runWatch(
  ctx: AgentContext,
  options: WatchOptions,
  out: Output,
  stop: AbortSignal,
): Promise<void> {
  const now = () => ctx.now().getTime();
  const onError = (error: Error) => ctx.logger.warn('file watch problem; falling back to polling', { error });
  const qlib = options.qlibDir === undefined ? undefined : new ChangeMonitor(options.qlibDir, now, onError);
  const { exportDir } = options;
  const exports = exportDir === undefined ? undefined : new ChangeMonitor(exportDir, now, onError);
  const exportRound = exportDir === undefined ? undefined : { ...options, exportDir };
  const fingerprints = new Map<string, string>();
  const memory: ExportMemory = { pushed: new Map(), refused: new Map() };
  qlib?.touch();
  exports?.touch();
  ctx.logger.info('watching', { qlibDir: options.qlibDir, exportDir, quietMs: options.quietMs });
  try {
    while (!stop.aborted) {
      if (qlib !== undefined && changedFingerprint(qlib.path, fingerprints)) qlib.touch();
      if (exports !== undefined && changedFingerprint(exports.path, fingerprints)) exports.touch();
      if (qlib?.settled(options.quietMs)) await round(ctx, qlib, () => pushQlib(ctx, options, out));
      if (exports?.settled(options.quietMs) && exportRound !== undefined)
        await round(ctx, exports, () => pushExports(ctx, exportRound, out, memory));
      await pause(options.pollMs, stop);
    }
  } finally {
    qlib?.close();
    exports?.close();
    ctx.logger.info('watch stopped');
  }
}

/** One round of work; true (or a transient failure) keeps the changes for the next round. */
async function round(ctx: AgentContext, monitor: ChangeMonitor, work: () => Promise<boolean>): Promise<void> {
  monitor.clear();
  let retry: boolean;
  try {
    await resumePending(ctx);
    retry = await work();
  } catch (error) {
    if (!(error instanceof PipelineError)) throw error;
    ctx.logger.error('push failed', { error, retry: error.kind === 'transient' });
    retry = error.kind === 'transient';
  }
  if (retry) monitor.keep();
}

/** The calendar (with --calendar-dataset), then the factors since the last pushed date. */
async function pushQlib(ctx: AgentContext, options: WatchOptions, out: Output): Promise<boolean> {
  const root = options.qlibDir as string;
  const { calendar, factors } = qlibRequests(options, root);
  try {
    for (const request of calendar === undefined ? [factors] : [calendar, factors]) {
      reportPush(out, await pushRequest(ctx, request));
    }
    return false;
  } catch (error) {
    if (!(error instanceof PipelineError)) throw error;
    reportFailure(ctx, out, error, root);
    return error.kind === 'transient';
  }
}

/**
 * A cheap fingerprint of what an update always touches: the entries of the top directory and of
 * calendars/ and instruments/ (names, sizes, mtimes). Catches changes fs.watch missed.
 */
function changedFingerprint(dir: string, seen: Map<string, string>): boolean {
  const parts: string[] = [];
  for (const sub of ['', 'calendars', 'instruments']) {
    let names: string[] = [];
    try {
      names = readdirSync(join(dir, sub));
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      try {
        const s = statSync(join(dir, sub, name));
        parts.push(`${sub}/${name}:${s.size}:${s.mtimeMs}`);
      } catch {
        // vanished between readdir and stat: the next round sees the new state
      }
    }
  }
  const print = parts.join('|');
  const changed = seen.has(dir) && seen.get(dir) !== print;
  seen.set(dir, print);
  return changed;
}

function pause(ms: number, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (stop.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      stop.removeEventListener('abort', done);
      resolve();
    }
    stop.addEventListener('abort', done, { once: true });
  });
}
