import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PipelineError } from '../../core/errors.js';
import { BatchBlockedError } from '../build/findings-text.js';
import type { Output } from '../cli-io.js';
import type { AgentContext } from '../context.js';
import { pushSource, resumePending } from '../push.js';
import { describe } from '../push-text.js';
import { openSource, type SourceRequest } from '../sources/source-request.js';
import { ChangeMonitor } from './change-monitor.js';

export interface WatchOptions {
  qlibDir?: string;
  exportDir?: string;
  dataset: string;
  fields?: string[];
  market?: string;
  instruments?: string[];
  /** Also push the trading calendar under this dataset name, before the factors. */
  calendarDataset?: string;
  float64?: boolean;
  exclude?: string[];
  quietMs: number;
  pollMs: number;
}

const EXPORT_FILE = /\.(csv|csv\.gz|parquet|pq)$/i;

/**
 * The daemon: waits for a qlib update (or new export files) to go quiet, then pushes incrementally
 * (`--since-last`); new export files are pushed once each. Errors are logged and the watch goes on (a
 * transient one is retried at the next round). Returns when `stop` is aborted, after the current push.
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
  const exports =
    options.exportDir === undefined ? undefined : new ChangeMonitor(options.exportDir, now, onError);
  const fingerprints = new Map<string, string>();
  const pushedFiles = new Set<string>();
  qlib?.touch();
  exports?.touch();
  ctx.logger.info('watching', {
    qlibDir: options.qlibDir,
    exportDir: options.exportDir,
    quietMs: options.quietMs,
  });
  try {
    while (!stop.aborted) {
      if (qlib !== undefined && changedFingerprint(qlib.path, fingerprints)) qlib.touch();
      if (exports !== undefined && changedFingerprint(exports.path, fingerprints)) exports.touch();
      if (qlib?.settled(options.quietMs)) await round(ctx, qlib, () => pushQlib(ctx, options, out));
      if (exports?.settled(options.quietMs))
        await round(ctx, exports, () => pushExports(ctx, options, out, pushedFiles));
      await pause(options.pollMs, stop);
    }
  } finally {
    qlib?.close();
    exports?.close();
    ctx.logger.info('watch stopped');
  }
}

async function round(ctx: AgentContext, monitor: ChangeMonitor, work: () => Promise<void>): Promise<void> {
  monitor.clear();
  try {
    await resumePending(ctx);
    await work();
  } catch (error) {
    if (!(error instanceof PipelineError)) throw error;
    ctx.logger.error(
      error instanceof BatchBlockedError ? 'batch blocked by the quality rules' : 'push failed',
      { error },
    );
    if (error.kind === 'transient') monitor.keep();
  }
}

async function pushQlib(ctx: AgentContext, options: WatchOptions, out: Output): Promise<void> {
  const root = options.qlibDir as string;
  if (options.calendarDataset !== undefined) {
    const source = await openSource(
      { path: root, from: 'calendar', dataset: options.calendarDataset, sinceLast: true },
      ctx.journal,
    );
    out.say(describe(await pushSource(ctx, source)));
  }
  const request: SourceRequest = { path: root, from: 'qlib', dataset: options.dataset, sinceLast: true };
  if (options.fields !== undefined) request.fields = options.fields;
  if (options.market !== undefined) request.market = options.market;
  if (options.instruments !== undefined) request.instruments = options.instruments;
  out.say(describe(await pushSource(ctx, await openSource(request, ctx.journal))));
}

async function pushExports(
  ctx: AgentContext,
  options: WatchOptions,
  out: Output,
  pushed: Set<string>,
): Promise<void> {
  const dir = options.exportDir as string;
  for (const name of readdirSync(dir)
    .filter((n) => EXPORT_FILE.test(n) && !n.startsWith('.'))
    .sort()) {
    const path = join(dir, name);
    const stat = statSync(path);
    const id = `${path}:${stat.size}:${stat.mtimeMs}`;
    if (pushed.has(id)) continue;
    const request: SourceRequest = { path, dataset: options.dataset, float64: options.float64 ?? false };
    if (options.exclude !== undefined) request.exclude = options.exclude;
    out.say(describe(await pushSource(ctx, await openSource(request, ctx.journal))));
    pushed.add(id);
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
