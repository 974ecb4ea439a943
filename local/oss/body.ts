import { createHash } from 'node:crypto';
import { open, unlink } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Crc64 } from '../../core/crc64.js';
import { ossError } from './oss-error.js';

/** A request body saved to a temp file, with what OSS computes over it. */
export interface ReceivedBody {
  path: string;
  size: number;
  /** Raw MD5 digest (16 bytes). */
  md5: Buffer;
  /** CRC-64/XZ as OSS's decimal string. */
  crc64: string;
}

/**
 * Stream a body into `path` (a new file in the server's temp dir). If the client goes away mid-body the
 * stream errors, the temp file is removed and nothing becomes visible.
 */
export async function receiveBody(body: Readable, path: string): Promise<ReceivedBody> {
  const file = await open(path, 'wx');
  const md5 = createHash('md5');
  const crc = new Crc64();
  let size = 0;
  try {
    for await (const chunk of body) {
      const bytes = chunk as Buffer;
      md5.update(bytes);
      crc.update(bytes);
      size += bytes.length;
      await file.write(bytes);
    }
    await file.close();
  } catch (error) {
    await file.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw error;
  }
  return { path, size, md5: md5.digest(), crc64: crc.digestDecimal() };
}

/** A small body (XML documents) held in memory; OSS caps these well below a megabyte. */
export async function readSmallBody(body: Readable, limit = 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) throw ossError('EntityTooLarge');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Drain and discard whatever is left of a body, so an early error reply does not break keep-alive. */
export async function discardBody(body: Readable): Promise<void> {
  if (body.readableEnded) return;
  try {
    for await (const _chunk of body) {
      // discard
    }
  } catch {
    // the client went away; nothing to answer
  }
}
