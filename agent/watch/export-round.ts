import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PipelineError } from '../../core/errors.js';
import type { Output } from '../cli-io.js';
import type { AgentContext } from '../context.js';
import { pushRequest } from '../push-request.js';
import type { SourceRequest } from '../sources/source-request.js';
import { reportFailure, reportPush } from './watch-report.js';

const EXPORT_FILE = /\.(csv|csv\.gz|parquet|pq)$/i;

/**
 * What the watch knows about each export file, by path → `size:mtime` when it was last tried: pushed, or
 * refused for good (a blocked batch, a malformed file). Either is tried again only once the file changes.
 */
export interface ExportMemory {
  pushed: Map<string, string>;
  refused: Map<string, string>;
}

export interface ExportRoundOptions {
  exportDir: string;
  dataset: string;
  float64?: boolean;
  exclude?: string[];
}

/**
 * One pass over the export directory: every new or changed file is pushed on its own, so one bad file
 * never holds up the others. Returns true when some file failed transiently (the next round tries again).
 */
export async function pushExports(
  ctx: AgentContext,
  options: ExportRoundOptions,
  out: Output,
  memory: ExportMemory,
): Promise<boolean> {
  let retry = false;
  for (const path of exportFiles(options.exportDir)) {
    const print = fingerprint(path);
    if (print === undefined || memory.pushed.get(path) === print || memory.refused.get(path) === print)
      continue;
    const request: SourceRequest = { path, dataset: options.dataset, float64: options.float64 ?? false };
    if (options.exclude !== undefined) request.exclude = options.exclude;
    try {
      reportPush(out, await pushRequest(ctx, request));
      memory.pushed.set(path, print);
      memory.refused.delete(path);
    } catch (error) {
      if (!(error instanceof PipelineError)) throw error; // a bug stops the daemon (exit 1)
      reportFailure(ctx, out, error, path);
      if (error.kind === 'transient') retry = true;
      else memory.refused.set(path, print);
    }
  }
  return retry;
}

function exportFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => EXPORT_FILE.test(n) && !n.startsWith('.'))
    .sort()
    .map((n) => join(dir, n));
}

/** size:mtime, or undefined when the file vanished since the listing. */
function fingerprint(path: string): string | undefined {
  try {
    const stat = statSync(path);
    return `${stat.size}:${stat.mtimeMs}`;
  } catch {
    return undefined;
  }
}
