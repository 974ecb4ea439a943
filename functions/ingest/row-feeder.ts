import { Writable } from 'node:stream';
import type { RowSink } from '../../adapters/warehouse/row-sink.js';
import { type CsvProblem, CsvRowParser, type ParsedRow } from '../../core/csv/index.js';
import type { ManifestV1 } from '../../core/manifest.js';
import type { Inspection } from './inspection.js';

/** Ends the pipeline when reading must stop at a cap; `code` is the blocking finding already recorded. */
export class HaltSignal extends Error {
  override readonly name = 'HaltSignal';
  constructor(readonly code: string) {
    super(`reading stopped: ${code}`);
  }
}

/**
 * The parser's end of the pipeline: rows to the inspector and, while nothing blocks, to the sink. It counts the
 * inflated bytes and the data lines (accepted and rejected), and halts the reading when the payload inflates past
 * `maxInflatedBytes` (PAYLOAD_INFLATED_TOO_LARGE), holds more lines than the manifest's rowCount
 * (ROW_COUNT_EXCEEDED) or the rules reach one of their caps (INSTRUMENT_LIMIT_EXCEEDED, DATE_COUNT_EXCEEDED):
 * a gzip bomb or a hostile payload costs what a legitimate batch of its manifest would, no more.
 */
export class RowFeeder extends Writable {
  stopped: string | undefined;
  /** The sink's own failure (its statement failed, its connection closed): what the caller reports. */
  failure: unknown;
  private halted: string | undefined;
  private readonly parser: CsvRowParser<Float64Array>;
  private inflated = 0;
  private rejected = 0;

  constructor(
    private readonly manifest: ManifestV1,
    private readonly inspection: Inspection,
    private readonly sink: RowSink,
    private readonly maxInflatedBytes: number,
  ) {
    super({ highWaterMark: 256 * 1024 });
    // The rows go to MySQL: values in one reused Float64Array, numbers MySQL reads alike passed on as written.
    this.parser = CsvRowParser.forMysql({ layout: inspection.layout, inf: inspection.policy.inf });
    this.parser.onRow = (row, line) => this.row(row, line);
    this.parser.onProblem = (problem) => this.problem(problem);
  }

  /** The sink failed on its own: stop reading now, with its error. */
  fail(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.destroy(error instanceof Error ? error : new Error(String(error)));
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    // The rows of a chunk first (a row beyond rowCount has its own code), then the size: one chunk is bounded.
    this.parser.push(chunk);
    this.inflated += chunk.length;
    if (this.inflated > this.maxInflatedBytes) {
      const detail = `over ${this.maxInflatedBytes} bytes uncompressed from ${this.manifest.payload.bytes} gzip bytes`;
      const message = 'the payload inflates far beyond what its manifest describes';
      this.halt('PAYLOAD_INFLATED_TOO_LARGE', message, detail);
    }
    if (this.halted !== undefined) {
      done(new HaltSignal(this.halted));
      return;
    }
    if (this.stopped !== undefined) {
      done();
      return;
    }
    this.sink.ready().then(
      () => done(),
      (error: unknown) => {
        this.failure ??= error;
        done(error as Error);
      },
    );
  }

  override _final(done: (error?: Error | null) => void): void {
    this.parser.end();
    done();
  }

  private problem(problem: CsvProblem): void {
    if (this.halted !== undefined) return;
    const { inspector } = this.inspection;
    if (problem.fatal === true || problem.line < 2) inspector.problem(problem);
    else {
      this.rejected += 1;
      inspector.rejectedRow(problem);
      this.checkCount(problem.line);
    }
    this.stop(`${problem.code} at line ${problem.line}`);
  }

  private row(row: ParsedRow<Float64Array>, line: Buffer): void {
    if (this.halted !== undefined) return;
    const { inspector } = this.inspection;
    inspector.row(row, row.infinities);
    this.inspection.profile?.observe(row.date, row.values);
    if (inspector.limitReached !== undefined) {
      this.halted = inspector.limitReached;
      this.stop(`${inspector.limitReached} at line ${row.line}`);
      return;
    }
    if (this.checkCount(row.line) || this.stopped !== undefined) return;
    const { start, end } = this.manifest.dateRange;
    // Rules that are certain to block are checked here too, so MySQL stops taking rows at once.
    if (row.date < start || row.date > end) this.stop(`DATE_OUT_OF_RANGE at line ${row.line}`);
    else this.sink.add(row, line);
  }

  /** ROW_COUNT_EXCEEDED once the data lines outnumber the manifest's rowCount; true when it halted. */
  private checkCount(line: number): boolean {
    const { rowCount } = this.manifest;
    if (this.parser.rows + this.rejected <= rowCount) return false;
    const detail = `line ${line} is data line ${rowCount + 1}; the manifest says ${rowCount}`;
    this.halt('ROW_COUNT_EXCEEDED', `more rows than the manifest's ${rowCount}: reading stopped`, detail);
    return true;
  }

  private halt(code: string, message: string, detail: string): void {
    if (this.halted !== undefined) return;
    this.halted = code;
    this.inspection.inspector.halt(code, message, detail);
    this.stop(code);
  }

  private stop(why: string): void {
    if (this.stopped !== undefined) return;
    this.stopped = why;
    void this.sink.abort(new Error(`rows stopped: ${why}`));
  }
}
