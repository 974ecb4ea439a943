import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { translateOssError } from '../../../adapters/object-store/errors.js';
import { LineSplitter } from '../../../core/csv/line-splitter.js';
import { type PayloadDigest, PayloadHasher } from '../../../core/digest.js';
import { TransientError } from '../../../core/errors.js';

/** A metric history of a million steps is ~40 MiB of JSON; a line past this is refused (EXP_LINE_TOO_LONG). */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

export interface LineStreamResult {
  digest: PayloadDigest;
  gzipError?: string;
  lineTooLong?: number;
}

/**
 * OSS stream → SHA-256/CRC-64 of the gzip bytes → gunzip → lines, each handed to `onLine` in order and awaited
 * (the database's pace sets the download's: never the whole payload in memory). A line over MAX_LINE_BYTES stops
 * the lines (reported by number); a broken gzip stream is a value; an OSS fault is thrown, translated.
 */
export async function streamLines(
  source: Readable,
  expectedBytes: number,
  onLine: (text: string, line: number) => Promise<void>,
): Promise<LineStreamResult> {
  const hasher = new PayloadHasher();
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  let failure: unknown;
  source.on('data', (chunk: Buffer) => hasher.update(chunk));
  source.on('error', (error) => {
    failure = error;
    gunzip.destroy(error);
  });
  source.pipe(gunzip);
  const pending: string[] = [];
  let count = 0;
  let tooLong: number | undefined;
  const splitter = new LineSplitter(
    MAX_LINE_BYTES,
    (buf, start, end) => {
      pending.push(buf.toString('utf8', start, end));
    },
    () => {
      tooLong = count + pending.length + 1;
    },
  );
  const drain = async () => {
    for (const text of pending.splice(0)) await onLine(text, ++count);
  };
  try {
    for await (const chunk of gunzip) {
      splitter.push(chunk as Buffer);
      await drain();
    }
    splitter.end();
    await drain();
  } catch (error) {
    source.destroy();
    const code = (error as NodeJS.ErrnoException).code;
    if (failure === undefined && typeof code === 'string' && code.startsWith('Z_')) {
      const digest = hasher.digest();
      // A gzip stream that ends early while fewer bytes than stored arrived is a cut download, not a bad payload.
      if (code === 'Z_BUF_ERROR' && digest.bytes < expectedBytes) {
        throw new TransientError('OSS_UNAVAILABLE', 'the payload download ended early', { cause: error });
      }
      return { digest, gzipError: (error as Error).message };
    }
    if (failure !== undefined) throw translateOssError(failure, 'read the payload');
    throw error;
  }
  const result: LineStreamResult = { digest: hasher.digest() };
  if (tooLong !== undefined) result.lineTooLong = tooLong;
  return result;
}
