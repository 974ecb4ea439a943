import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { readJson, removeQuietly } from './atomic-file.js';
import { type ReceivedBody, receiveBody } from './body.js';
import { ossError } from './oss-error.js';
import type { ObjectStore } from './store.js';

/** An upload in progress: what InitiateMultipartUpload fixed for the final object. */
export interface UploadRecord {
  uploadId: string;
  key: string;
  initiated: string;
  contentType: string;
  userMeta: Record<string, string>;
  headers: Record<string, string>;
  tags: Record<string, string>;
}

export interface PartRecord {
  partNumber: number;
  /** Upper-case hex MD5 of the part, no quotes. */
  etag: string;
  size: number;
  crc64: string;
  lastModified: string;
  dataFile: string;
}

/** An assembled object waiting to be committed. */
export interface Assembled {
  body: ReceivedBody;
  etag: string;
}

const UPLOAD_ID = /^[0-9A-F]{32}$/;

/** Every part but the last must be at least 100 KB (OSS EntityTooSmall, EC 0042-00000213). */
export const MIN_PART_SIZE = 100 * 1024;

/** Multipart uploads under `buckets/<b>/uploads/<uploadId>/`: upload.json, part-<n>.json, part bytes. */
export class MultipartStore {
  constructor(private readonly store: ObjectStore) {}

  async initiate(
    bucket: string,
    fields: Omit<UploadRecord, 'uploadId' | 'initiated'>,
  ): Promise<UploadRecord> {
    const record: UploadRecord = {
      uploadId: randomBytes(16).toString('hex').toUpperCase(),
      initiated: new Date().toISOString(),
      ...fields,
    };
    await mkdir(this.dir(bucket, record.uploadId), { recursive: true });
    await this.store.temp.writeJson(join(this.dir(bucket, record.uploadId), 'upload.json'), record);
    return record;
  }

  /** The upload, or NoSuchUpload when the id is unknown, finished, or belongs to another key. */
  async get(bucket: string, uploadId: string, key: string): Promise<UploadRecord> {
    const record = UPLOAD_ID.test(uploadId)
      ? await readJson<UploadRecord>(join(this.dir(bucket, uploadId), 'upload.json'))
      : undefined;
    if (!record || record.key !== key) throw ossError('NoSuchUpload', { UploadId: uploadId });
    return record;
  }

  async list(bucket: string): Promise<UploadRecord[]> {
    const ids = await readdir(join(this.store.bucketDir(bucket), 'uploads'));
    const records = await Promise.all(
      ids.map((id) => readJson<UploadRecord>(join(this.dir(bucket, id), 'upload.json'))),
    );
    return records.filter((r): r is UploadRecord => r !== undefined);
  }

  /** Store a part; re-sending a part number replaces the earlier bytes. */
  async putPart(
    bucket: string,
    upload: UploadRecord,
    partNumber: number,
    body: ReceivedBody,
  ): Promise<PartRecord> {
    const dir = this.dir(bucket, upload.uploadId);
    const partPath = join(dir, `part-${partNumber}.json`);
    return this.store.lock.run(partPath, async () => {
      const previous = await readJson<PartRecord>(partPath);
      const record: PartRecord = {
        partNumber,
        etag: body.md5.toString('hex').toUpperCase(),
        size: body.size,
        crc64: body.crc64,
        lastModified: new Date().toISOString(),
        dataFile: `data-${partNumber}-${randomBytes(8).toString('hex')}`,
      };
      try {
        await rename(body.path, join(dir, record.dataFile));
      } catch (error) {
        await removeQuietly(body.path);
        throw ossError(
          'NoSuchUpload',
          { UploadId: upload.uploadId },
          `The upload went away: ${String(error)}`,
        );
      }
      await this.store.temp.writeJson(partPath, record);
      if (previous) await removeQuietly(join(dir, previous.dataFile));
      return record;
    });
  }

  async parts(bucket: string, upload: UploadRecord): Promise<PartRecord[]> {
    const dir = this.dir(bucket, upload.uploadId);
    const names = (await readdir(dir)).filter((n) => /^part-\d+\.json$/.test(n));
    const parts = await Promise.all(names.map((n) => readJson<PartRecord>(join(dir, n))));
    return parts.filter((p): p is PartRecord => p !== undefined).sort((a, b) => a.partNumber - b.partNumber);
  }

  async remove(bucket: string, upload: UploadRecord): Promise<void> {
    await rm(this.dir(bucket, upload.uploadId), { recursive: true, force: true });
  }

  /** Validate the client's part list like OSS and concatenate the parts into one temp file. */
  async assemble(
    bucket: string,
    upload: UploadRecord,
    requested: { partNumber: number; etag: string }[] | 'all',
  ) {
    const stored = new Map((await this.parts(bucket, upload)).map((p) => [p.partNumber, p]));
    const chosen = requested === 'all' ? [...stored.values()] : choose(requested, stored, upload.uploadId);
    if (chosen.length === 0)
      throw ossError('InvalidPart', { UploadId: upload.uploadId }, 'No parts to complete.');
    chosen.forEach((part, i) => {
      if (i < chosen.length - 1 && part.size < MIN_PART_SIZE) {
        throw ossError('EntityTooSmall', {
          PartNumber: String(part.partNumber),
          ProposedSize: String(part.size),
          MinSizeAllowed: String(MIN_PART_SIZE),
        });
      }
    });
    const dir = this.dir(bucket, upload.uploadId);
    const stream = Readable.from(concatenate(chosen.map((p) => join(dir, p.dataFile))));
    const body = await receiveBody(stream, this.store.temp.path('complete'));
    const md5s = Buffer.concat(chosen.map((p) => Buffer.from(p.etag, 'hex')));
    const etag = `${createHash('md5').update(md5s).digest('hex').toUpperCase()}-${chosen.length}`;
    return { body, etag } satisfies Assembled;
  }

  private dir(bucket: string, uploadId: string): string {
    return join(this.store.bucketDir(bucket), 'uploads', uploadId);
  }
}

/** Part numbers strictly ascending (InvalidPartOrder), each stored with that ETag (InvalidPart). */
function choose(
  requested: { partNumber: number; etag: string }[],
  stored: Map<number, PartRecord>,
  uploadId: string,
) {
  return requested.map((want, i) => {
    const before = requested[i - 1];
    if (before !== undefined && want.partNumber <= before.partNumber) {
      throw ossError('InvalidPartOrder', { UploadId: uploadId, PartNumber: String(want.partNumber) });
    }
    const part = stored.get(want.partNumber);
    if (!part || part.etag !== want.etag) {
      throw ossError('InvalidPart', {
        ETag: want.etag,
        PartNumber: String(want.partNumber),
        UploadId: uploadId,
      });
    }
    return part;
  });
}

async function* concatenate(paths: string[]): AsyncGenerator<Buffer> {
  for (const path of paths) {
    for await (const chunk of createReadStream(path)) yield chunk as Buffer;
  }
}
