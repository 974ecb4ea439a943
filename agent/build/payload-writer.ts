import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, createWriteStream, fsyncSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { createGzip, type Gzip } from 'node:zlib';
import { type PayloadDigest, PayloadHasher } from '../../core/digest.js';

/**
 * zlib level of every payload the agent writes. Level 4 rather than zlib's default 6: on Alpha158 values the
 * payload is 2.7 % larger (a 1-day batch of 4,492 instruments: 3.46 MiB instead of 3.37 MiB) and compressing
 * it takes less than half the CPU (about 0.15 s instead of 0.4 s), which the daily build otherwise takes from
 * its reader threads; gunzip in ingest is no slower. See docs/agent.md, "Performance".
 */
export const PAYLOAD_GZIP_LEVEL = 4;

/** How much canonical CSV may wait for the compressor before the producer pauses. */
const GZIP_BACKLOG = 4 * 1024 * 1024;

/**
 * Canonical CSV bytes in, `data.csv.gz` out, with SHA-256 + CRC-64 of the compressed bytes computed on the
 * way. zlib level PAYLOAD_GZIP_LEVEL, no file name, mtime 0: the same rows always give the same bytes (content
 * dedupe).
 * Compression runs on the libuv threadpool, so the caller formats the next rows meanwhile; it only waits
 * when more than GZIP_BACKLOG bytes are queued.
 */
export class PayloadFile {
  readonly path: string;
  private readonly gzip: Gzip;
  private readonly hasher = new PayloadHasher();
  private readonly done: Promise<void>;
  private csvBytes = 0;

  constructor(dir: string) {
    this.path = join(dir, `.build-${process.pid}-${randomBytes(6).toString('hex')}.csv.gz.tmp`);
    this.gzip = createGzip({ level: PAYLOAD_GZIP_LEVEL, writableHighWaterMark: GZIP_BACKLOG } as Parameters<
      typeof createGzip
    >[0]);
    const out = createWriteStream(this.path);
    this.gzip.on('data', (chunk: Buffer) => this.hasher.update(chunk));
    this.gzip.pipe(out);
    this.done = finished(out);
    // Awaited by write()/finish(); until then an early failure (no spool dir, disk full) must not count as unhandled.
    this.done.catch(() => {});
    // Surface a compressor failure through `done` rather than as an unhandled 'error'.
    this.gzip.on('error', (error) => out.destroy(error));
  }

  /** Uncompressed bytes written so far. */
  get bytesIn(): number {
    return this.csvBytes;
  }

  async write(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    this.csvBytes += chunk.length;
    if (!this.gzip.write(chunk)) await Promise.race([once(this.gzip, 'drain'), this.done]);
  }

  /** Flush, close and fsync the file; returns the digest of the compressed bytes. */
  async finish(): Promise<PayloadDigest> {
    this.gzip.end();
    await this.done;
    const fd = openSync(this.path, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return this.hasher.digest();
  }

  /** Stop and delete the partial file. */
  discard(): void {
    this.gzip.destroy();
    rmSync(this.path, { force: true });
  }
}
