import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { translateOssError } from '../../adapters/object-store/errors.js';
import type { RowSink } from '../../adapters/warehouse/row-sink.js';
import { type PayloadDigest, PayloadHasher } from '../../core/digest.js';
import { TransientError } from '../../core/errors.js';
import type { ManifestV1 } from '../../core/manifest.js';
import type { Inspection } from './inspection.js';
import { HaltSignal, RowFeeder } from './row-feeder.js';

export interface StreamResult {
  /** SHA-256, CRC-64 and size of the compressed bytes read (all of them unless gzip failed or reading halted). */
  digest: PayloadDigest;
  /** The payload is not valid gzip (zlib's message). */
  gzipError?: string;
  /** Reading stopped at a cap (the code of its blocking finding): the digest covers only what was read. */
  halted?: string;
  /** Why rows stopped going to MySQL before the end (a blocking finding mid-stream). */
  sinkStopped?: string;
}

/**
 * OSS stream → hasher → gunzip → CsvRowParser → the quality rules + the row sink, never the whole object in
 * memory: the sink's backpressure pauses the parser, which pauses the download. A blocking finding mid-stream
 * stops the rows (the caller rolls back) but parsing goes on to the end, so reason.json counts every problem —
 * unless a cap is reached (inflated bytes, rows beyond the manifest's count, distinct instruments): then reading
 * stops at once (row-feeder.ts). A sink that fails on its own (its connection closed) stops the reading at once
 * too, with the sink's error, instead of waiting for the next chunk of the download. `knownCrc64`: OSS's CRC-64
 * of the object it sends, already found equal to the manifest's; the bytes are then not run through CRC-64 again
 * (a third of a second per 75 MiB), while SHA-256 still covers every one of them.
 */
export async function streamPayload(
  source: Readable,
  manifest: ManifestV1,
  inspection: Inspection,
  sink: RowSink,
  maxInflatedBytes: number,
  knownCrc64?: string,
): Promise<StreamResult> {
  const hasher = new PayloadHasher(knownCrc64);
  const feeder = new RowFeeder(manifest, inspection, sink, maxInflatedBytes);
  sink.onFailure((error) => feeder.fail(error));
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
    if (feeder.failure !== undefined) throw feeder.failure;
    if (error instanceof HaltSignal) return { digest: hasher.digest(), halted: error.code };
    if (gzipError !== undefined && error === gzipError) return gzipFailure(manifest, hasher, gzipError);
    throw translateOssError(error, `read ${manifest.payload.key}`);
  }
  const result: StreamResult = { digest: hasher.digest() };
  if (feeder.stopped !== undefined) result.sinkStopped = feeder.stopped;
  return result;
}

function gzipFailure(manifest: ManifestV1, hasher: PayloadHasher, gzipError: Error): StreamResult {
  const digest = hasher.digest();
  // OSS verified the stored size and CRC-64 (payload-check.ts): a gzip stream that ends early while fewer
  // bytes than stored arrived is a cut download, not a bad payload.
  if ((gzipError as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' && digest.bytes < manifest.payload.bytes) {
    throw new TransientError('OSS_UNAVAILABLE', `the download of ${manifest.payload.key} ended early`, {
      cause: gzipError,
    });
  }
  return { digest, gzipError: gzipError.message, sinkStopped: 'the payload is not valid gzip' };
}
