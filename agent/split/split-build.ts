import { rmSync } from 'node:fs';
import { WRITER_CHUNK_BYTES } from '../../core/csv/index.js';
import type { Problem } from '../../core/errors.js';
import {
  type BuildOptions,
  type BuiltPayload,
  finishSink,
  openSink,
  type Sink,
  writeBlock,
} from '../build/batch-builder.js';
import type { FactorSource, RowBlock } from '../sources/source.js';
import { type DateWindow, planWindows, rowBytes, windowOf } from './batch-windows.js';

/**
 * The windows a factor source is cut into for a budget. A source that knows its instruments and calendar up
 * front (a qlib directory) is planned from them without reading a value: at most every instrument on every
 * trading day of its range. A source held in memory (an export) is counted: rows per date.
 */
export async function windowsFor(source: FactorSource, budgetBytes: number): Promise<DateWindow[]> {
  const days = await daysOf(source);
  return planWindows(days, rowBytes(source.columns), budgetBytes);
}

async function daysOf(source: FactorSource): Promise<{ date: string; rows: number }[]> {
  const { instrumentCount, dateRange, calendar } = source;
  if (instrumentCount !== undefined && dateRange !== undefined && calendar !== undefined) {
    return [...calendar]
      .filter((d) => d >= dateRange.start && d <= dateRange.end)
      .sort()
      .map((date) => ({ date, rows: instrumentCount }));
  }
  const counts = new Map<string, number>();
  for await (const block of source.blocks(() => {}))
    for (const date of block.dates) counts.set(date, (counts.get(date) ?? 0) + 1);
  return [...counts.keys()].sort().map((date) => ({ date, rows: counts.get(date) as number }));
}

/**
 * Build one payload per window in a single pass over the source: each instrument's rows are sliced by date and
 * written to their window's payload, each checked by the quality rules against its own range. Reading the
 * source once keeps a split push as cheap as an unsplit one (a qlib directory's files are opened once).
 */
export async function buildWindows(
  source: FactorSource,
  windows: readonly DateWindow[],
  options: BuildOptions,
): Promise<BuiltPayload[]> {
  const sinks = windows.map((w) => openSink(source, w, options));
  try {
    const report = (p: Problem & { date?: string }) => sinkFor(sinks, windows, p.date).inspector.problem(p);
    const width = source.columns.length;
    const scratch = new Float64Array(width);
    let instruments = 0;
    for await (const block of source.blocks(report)) {
      for (const [i, slice] of slices(block, windows, width))
        writeBlock(slice, width, scratch, sinks[i] as Sink);
      for (const sink of sinks)
        if (sink.writer.pendingBytes >= WRITER_CHUNK_BYTES) await sink.file.write(sink.writer.take());
      instruments += 1;
      const rows = sinks.reduce((n, s) => n + s.writer.rows, 0);
      const csvBytes = sinks.reduce((n, s) => n + s.file.bytesIn, 0);
      options.onProgress?.({ rows, csvBytes, instruments, instrumentCount: source.instrumentCount });
    }
    const built: BuiltPayload[] = [];
    for (const sink of sinks) built.push(await finishSink(sink));
    return built;
  } catch (error) {
    for (const sink of sinks) sink.file.discard();
    throw error;
  }
}

/** A problem goes to the window of its date (the first window when it has none): it blocks the push either way. */
function sinkFor(sinks: Sink[], windows: readonly DateWindow[], date: string | undefined): Sink {
  const i = date === undefined ? 0 : Math.max(0, windowOf(windows, date));
  return sinks[i] as Sink;
}

/** One instrument's rows cut at the window boundaries (dates ascending); rows outside every window go to the nearest. */
function* slices(
  block: RowBlock,
  windows: readonly DateWindow[],
  width: number,
): Generator<[number, RowBlock]> {
  let from = 0;
  while (from < block.dates.length) {
    const i = Math.max(0, windowOf(windows, block.dates[from] as string));
    const end = i + 1 < windows.length ? (windows[i + 1] as DateWindow).start : undefined;
    let to = from + 1;
    while (to < block.dates.length && (end === undefined || (block.dates[to] as string) < end)) to++;
    const dates = block.dates.slice(from, to);
    yield [
      i,
      { instrument: block.instrument, dates, values: block.values.subarray(from * width, to * width) },
    ];
    from = to;
  }
}

/** Remove the spool files of payloads that will not be uploaded. */
export function discardAll(built: readonly BuiltPayload[]): void {
  for (const b of built) rmSync(b.path, { force: true });
}
