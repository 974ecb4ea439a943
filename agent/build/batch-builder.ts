import type { ColumnSpec, CsvLayout } from '../../core/csv/index.js';
import { CsvRowWriter, WRITER_CHUNK_BYTES } from '../../core/csv/index.js';
import type { PayloadDigest } from '../../core/digest.js';
import { type BatchClaim, BatchInspector, type InspectionReport } from '../../core/quality/inspector.js';
import type { QualityPolicy } from '../../core/quality/policy.js';
import type { BatchSource, CalendarSource, FactorSource, RowBlock } from '../sources/source.js';
import { PayloadFile } from './payload-writer.js';

export interface BuildProgress {
  rows: number;
  csvBytes: number;
  instruments: number;
  /** Total instruments when the source knows it. */
  instrumentCount?: number;
}

export interface BuildOptions {
  spoolDir: string;
  policy: QualityPolicy;
  /** Today (UTC, YYYY-MM-DD): rows dated later than the next day are refused (DATE_IN_FUTURE). */
  today?: string;
  onProgress?: (progress: BuildProgress) => void;
}

/** A payload built and checked, not yet named: `path` is a temporary file in the spool dir. */
export interface BuiltPayload {
  path: string;
  digest: PayloadDigest;
  rowCount: number;
  csvBytes: number;
  /** First and last date of the rows; undefined when there are none. */
  dateRange: { start: string; end: string } | undefined;
  columns: ColumnSpec[];
  report: InspectionReport;
}

/**
 * Build the canonical payload of a source: canonical CSV (core/csv) → gzip → spool file, with the same
 * quality rules ingest runs (core/quality) observing every row on the way. The caller decides what a
 * blocked report means; the file is left for it to keep or discard.
 */
export async function buildPayload(source: BatchSource, options: BuildOptions): Promise<BuiltPayload> {
  const columns = source.kind === 'factors' ? source.columns : [];
  const layout: CsvLayout = source.kind === 'factors' ? { kind: 'factors', columns } : { kind: 'calendar' };
  const claim: BatchClaim = {
    kind: source.kind,
    dateRange: source.dateRange ?? { start: '0000-01-01', end: '9999-12-31' },
    columns,
    rowCount: 0,
  };
  const context = {
    ...(source.calendar === undefined ? {} : { calendar: source.calendar }),
    ...(options.today === undefined ? {} : { today: options.today }),
  };
  const inspector = new BatchInspector(claim, options.policy, context);
  const file = new PayloadFile(options.spoolDir);
  const writer = new CsvRowWriter(layout);
  const span = new DateSpan();
  try {
    writer.header();
    const sink = { writer, inspector, span, file, policy: options.policy, columns };
    if (source.kind === 'factors') await writeFactors(source, sink, options.onProgress);
    else await writeCalendar(source, sink);
    await file.write(writer.take());
    const digest = await file.finish();
    // The claim's row count and range are what the manifest will say: the rows actually written, their span
    // (every trading day of it must have rows: DATE_MISSING).
    claim.rowCount = writer.rows;
    claim.dateRange = span.range() ?? claim.dateRange;
    return {
      path: file.path,
      digest,
      rowCount: writer.rows,
      csvBytes: file.bytesIn,
      dateRange: span.range(),
      columns,
      report: inspector.finish(),
    };
  } catch (error) {
    file.discard();
    throw error;
  }
}

interface Sink {
  writer: CsvRowWriter;
  inspector: BatchInspector;
  span: DateSpan;
  file: PayloadFile;
  policy: QualityPolicy;
  columns: ColumnSpec[];
}

async function writeFactors(
  source: FactorSource,
  sink: Sink,
  onProgress?: (progress: BuildProgress) => void,
): Promise<void> {
  const width = source.columns.length;
  const scratch = new Float64Array(width);
  let instruments = 0;
  for await (const block of source.blocks((p) => sink.inspector.problem(p))) {
    writeBlock(block, width, scratch, sink);
    instruments += 1;
    if (sink.writer.pendingBytes >= WRITER_CHUNK_BYTES) await sink.file.write(sink.writer.take());
    const progress: BuildProgress = { rows: sink.writer.rows, csvBytes: sink.file.bytesIn, instruments };
    if (source.instrumentCount !== undefined) progress.instrumentCount = source.instrumentCount;
    onProgress?.(progress);
  }
}

function writeBlock(block: RowBlock, width: number, scratch: Float64Array, sink: Sink): void {
  const { writer, inspector, span } = sink;
  for (let r = 0; r < block.dates.length; r++) {
    const date = block.dates[r] as string;
    let values: ArrayLike<number> = block.values.subarray(r * width, (r + 1) * width);
    const infinities = countInfinities(values);
    if (infinities > 0) {
      if (sink.policy.inf === 'reject') {
        reportInfinity(block.instrument, date, values, sink);
        continue;
      }
      values = withoutInfinities(values, scratch);
    }
    inspector.row({ date, instrument: block.instrument, values }, infinities);
    writer.row(date, block.instrument, values);
    span.add(date);
  }
}

async function writeCalendar(source: CalendarSource, sink: Sink): Promise<void> {
  for (const date of source.dates) {
    sink.inspector.row({ date, instrument: '', values: [] });
    sink.writer.calendarRow(date);
    sink.span.add(date);
    if (sink.writer.pendingBytes >= WRITER_CHUNK_BYTES) await sink.file.write(sink.writer.take());
  }
}

function countInfinities(values: ArrayLike<number>): number {
  let n = 0;
  for (let c = 0; c < values.length; c++) {
    const v = values[c] as number;
    if (v === Infinity || v === -Infinity) n++;
  }
  return n;
}

function withoutInfinities(values: ArrayLike<number>, scratch: Float64Array): Float64Array {
  for (let c = 0; c < values.length; c++) {
    const v = values[c] as number;
    scratch[c] = v === Infinity || v === -Infinity ? Number.NaN : v;
  }
  return scratch;
}

function reportInfinity(instrument: string, date: string, values: ArrayLike<number>, sink: Sink): void {
  let c = 0;
  while (Number.isFinite(values[c] as number) || Number.isNaN(values[c] as number)) c++;
  sink.inspector.problem({
    code: 'VALUE_INFINITE',
    message: `infinite value on ${date} for ${instrument} (the dataset policy rejects ±inf)`,
    column: c + 3,
    field: (sink.columns[c] as ColumnSpec).name,
    value: String(values[c]),
  });
}

/** The first and last date seen. */
class DateSpan {
  private first: string | undefined;
  private last: string | undefined;

  add(date: string): void {
    if (this.first === undefined || date < this.first) this.first = date;
    if (this.last === undefined || date > this.last) this.last = date;
  }

  range(): { start: string; end: string } | undefined {
    return this.first === undefined ? undefined : { start: this.first, end: this.last as string };
  }
}
