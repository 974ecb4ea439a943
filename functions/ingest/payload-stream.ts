import { type Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { translateOssError } from '../../adapters/object-store/errors.js';
import type { RowSink } from '../../adapters/warehouse/row-sink.js';
import { CsvRowParser, type ParsedRow } from '../../core/csv/index.js';
import { type PayloadDigest, PayloadHasher } from '../../core/digest.js';
import { TransientError } from '../../core/errors.js';
import type { ManifestV1 } from '../../core/manifest.js';
import type { Inspection } from './inspection.js';

export interface StreamResult {
  /** SHA-256, CRC-64 and size of the compressed bytes read (all of them unless gzip failed). */
  digest: PayloadDigest;
  /** The payload is not valid gzip (zlib's message). */
  gzipError?: string;
  /** Why rows stopped going to MySQL before the end (a blocking finding mid-stream). */
  sinkStopped?: string;
}

/**
 * OSS stream → hasher → gunzip → CsvRowParser → the quality rules + the row sink, never the whole object in
 * memory: the sink's backpressure pauses the parser, which pauses the download. A blocking finding mid-stream
 * stops the rows (the caller rolls back) but parsing goes on to the end, so reason.json counts every problem.
 */
export async function streamPayload(
  source: Readable,
  manifest: ManifestV1,
  inspection: Inspection,
  sink: RowSink,
): Promise<StreamResult> {
  const hasher = new PayloadHasher();
  const feeder = new RowFeeder(manifest, inspection, sink);
  // Larger output chunks: fewer parser calls and backpressure round trips per megabyte.
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  let gzipError: Error | undefined;
  gunzip.once('error', (e: NodeJS.ErrnoException) => {
    // pipeline() destroys every stage with the first error; only zlib's own errors say the payload is bad.
    if (e.code?.startsWith('Z_')) gzipError = e;
  });
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hasher.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(source, tap, gunzip, feeder);
  } catch (error) {
    if (feeder.failure !== undefined && error === feeder.failure) throw error;
    if (gzipError !== undefined && error === gzipError) {
      const digest = hasher.digest();
      // OSS verified the stored size and CRC-64 (payload-check.ts): a gzip stream that ends early while fewer
      // bytes than stored arrived is a cut download, not a bad payload.
      if (
        (gzipError as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' &&
        digest.bytes < manifest.payload.bytes
      ) {
        throw new TransientError('OSS_UNAVAILABLE', `the download of ${manifest.payload.key} ended early`, {
          cause: gzipError,
        });
      }
      return { digest, gzipError: gzipError.message, sinkStopped: 'the payload is not valid gzip' };
    }
    throw translateOssError(error, `read ${manifest.payload.key}`);
  }
  const result: StreamResult = { digest: hasher.digest() };
  if (feeder.stopped !== undefined) result.sinkStopped = feeder.stopped;
  return result;
}

/** The parser's end of the pipeline: rows to the inspector and, while nothing blocks, to the sink. */
class RowFeeder extends Writable {
  stopped: string | undefined;
  failure: unknown;
  private readonly parser: CsvRowParser;

  constructor(
    private readonly manifest: ManifestV1,
    private readonly inspection: Inspection,
    private readonly sink: RowSink,
  ) {
    super({ highWaterMark: 256 * 1024 });
    this.parser = new CsvRowParser({ layout: inspection.layout, inf: inspection.policy.inf });
    this.parser.onRow = (row, line) => this.row(row, line);
    this.parser.onProblem = (problem) => {
      inspection.inspector.problem(problem);
      this.stop(`${problem.code} at line ${problem.line}`);
    };
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.parser.push(chunk);
    if (this.stopped !== undefined) {
      done();
      return;
    }
    this.sink.ready().then(
      () => done(),
      (error: unknown) => {
        this.failure = error;
        done(error as Error);
      },
    );
  }

  override _final(done: (error?: Error | null) => void): void {
    this.parser.end();
    done();
  }

  private row(row: ParsedRow, line: Buffer): void {
    this.inspection.inspector.row(row, row.infinities);
    this.inspection.profile?.observe(row.date, row.values);
    if (this.stopped !== undefined) return;
    const { start, end } = this.manifest.dateRange;
    // Rules that are certain to block are checked here too, so MySQL stops taking rows at once.
    if (row.date < start || row.date > end) this.stop(`DATE_OUT_OF_RANGE at line ${row.line}`);
    else if (this.parser.rows > this.manifest.rowCount)
      this.stop(`more rows than the manifest's ${this.manifest.rowCount}`);
    else this.sink.add(row, line);
  }

  private stop(why: string): void {
    if (this.stopped !== undefined) return;
    this.stopped = why;
    void this.sink.abort(new Error(`rows stopped: ${why}`));
  }
}
