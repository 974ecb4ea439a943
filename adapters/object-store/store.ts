import type { Readable } from 'node:stream';
import type OSS from 'ali-oss';
import { TerminalError } from '../../core/errors.js';
import { endpointHost } from './client.js';
import { translateOssError, translatingOss } from './errors.js';
import { type UploadFileOptions, type UploadResult, uploadFile } from './file-upload.js';
import { parseHttpDate, withServerTime } from './server-clock.js';
import { explainVirtualHostDns } from './virtual-host.js';

export interface ObjectInfo {
  key: string;
  size: number;
  etag: string;
  /** CRC-64/XZ of the whole object in decimal, as OSS reports it (x-oss-hash-crc64ecma). */
  crc64: string | undefined;
  meta: Record<string, string>;
  contentType: string | undefined;
}

export interface PutOptions {
  /** Refuse to replace an existing object (409 FileAlreadyExists → TerminalError OSS_EXISTS). */
  forbidOverwrite?: boolean;
  meta?: Record<string, string>;
  contentType?: string;
}

/** An object's bytes as they arrive, and OSS's CRC-64 of the whole object when it reports one. */
export interface ObjectStream {
  body: Readable;
  /** x-oss-hash-crc64ecma of the object being sent (decimal); undefined when the store sends none. */
  crc64: string | undefined;
}

export interface PutResult {
  etag: string;
  crc64: string | undefined;
}

/** The object store as the pipeline uses it: a handful of calls, vendor errors already translated. */
export interface ObjectStore {
  head(key: string): Promise<ObjectInfo | undefined>;
  get(key: string): Promise<Buffer>;
  getStream(key: string): Promise<ObjectStream>;
  put(key: string, body: Buffer | string, options?: PutOptions): Promise<PutResult>;
  copy(to: string, from: string): Promise<void>;
  delete(key: string): Promise<void>;
  list(prefix: string, pageSize?: number): AsyncIterable<{ key: string; size: number }>;
}

/** One listed object with the time OSS last wrote it (no HEAD needed). */
export interface ListedObject {
  key: string;
  size: number;
  lastModified: Date;
}

/** One page of a listing; `next` is where the following page starts (start-after), absent after the last. */
export interface ObjectPage {
  objects: ListedObject[];
  next?: string;
}

/** Listing one bounded page at a time (the monitor's incoming/ scan resumes from a saved position). */
export interface ObjectLister {
  listPage(prefix: string, startAfter: string, maxKeys: number): Promise<ObjectPage>;
}

/** What a bucket probe saw: it answered, and the server's clock (for a skew check). */
export interface ProbeResult {
  serverTime: Date | undefined;
}

/** The store as the agent uses it: the basic calls plus resumable file upload and a reachability probe. */
export interface UploadingStore extends ObjectStore {
  uploadFile(key: string, path: string, options: UploadFileOptions): Promise<UploadResult>;
  probe(prefix?: string): Promise<ProbeResult>;
}

/**
 * OSS's CopyObject copies objects up to 1 GB; larger ones need a multipart copy (UploadPartCopy).
 * https://www.alibabacloud.com/help/en/oss/developer-reference/copyobject
 */
export const COPY_OBJECT_LIMIT = 1024 ** 3;

/** ObjectStore over ali-oss 6.x. */
export class OssObjectStore implements UploadingStore, ObjectLister {
  constructor(
    readonly client: OSS,
    private readonly copyLimit = COPY_OBJECT_LIMIT,
  ) {}

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const result = await this.client.head(key);
      const headers = result.res.headers as Record<string, string | undefined>;
      return {
        key,
        size: Number(headers['content-length'] ?? 0),
        etag: unquote(headers.etag ?? ''),
        crc64: headers['x-oss-hash-crc64ecma'],
        meta: (result.meta ?? {}) as Record<string, string>,
        contentType: headers['content-type'],
      };
    } catch (error) {
      const e = translateOssError(error, `head ${key}`, endpointHost(this.client));
      if (e instanceof TerminalError && e.code === 'OSS_NOT_FOUND') return undefined;
      throw await explainVirtualHostDns(this.client, e);
    }
  }

  async get(key: string): Promise<Buffer> {
    const result = await this.oss(`get ${key}`, () => this.client.get(key));
    return result.content as Buffer;
  }

  async getStream(key: string): Promise<ObjectStream> {
    const result = await this.oss(`get ${key}`, () => this.client.getStream(key));
    const headers = (result.res as unknown as { headers: Record<string, string | undefined> }).headers;
    return { body: result.stream as Readable, crc64: headers['x-oss-hash-crc64ecma'] };
  }

  async put(key: string, body: Buffer | string, options: PutOptions = {}): Promise<PutResult> {
    const headers: Record<string, string> = {};
    if (options.forbidOverwrite) headers['x-oss-forbid-overwrite'] = 'true';
    const putOptions: OSS.PutObjectOptions = { headers };
    if (options.meta) putOptions.meta = options.meta as unknown as OSS.UserMeta;
    if (options.contentType) putOptions.mime = options.contentType;
    const data = typeof body === 'string' ? Buffer.from(body) : body;
    const result = await this.oss(`put ${key}`, () => this.client.put(key, data, putOptions));
    const res = result.res as unknown as { headers: Record<string, string | undefined> };
    return { etag: unquote(res.headers.etag ?? ''), crc64: res.headers['x-oss-hash-crc64ecma'] };
  }

  /** Multipart upload of a file, resumable from its journaled state (see file-upload.ts). */
  async uploadFile(key: string, path: string, options: UploadFileOptions): Promise<UploadResult> {
    try {
      return await uploadFile(this.client, key, path, options);
    } catch (error) {
      throw await explainVirtualHostDns(this.client, error);
    }
  }

  /**
   * List at most one key: proves credentials and bucket, and reads the server's Date header. When OSS
   * refuses the listing for a skewed clock, the OSS_CLOCK_SKEW error carries the server's time
   * (details.serverTime), read from an unsigned request, so the skew can be measured.
   */
  async probe(prefix = ''): Promise<ProbeResult> {
    const query = { prefix, 'max-keys': 1 } as unknown as OSS.ListV2ObjectsQuery;
    try {
      const page = await this.oss('list the bucket', () => this.client.listV2(query, {}));
      return { serverTime: parseHttpDate((page.res.headers as Record<string, string | undefined>).date) };
    } catch (error) {
      throw await withServerTime(this.client, error);
    }
  }

  /** Server-side copy; above the CopyObject limit, a multipart copy of 64 MiB parts. */
  async copy(to: string, from: string): Promise<void> {
    const source = await this.head(from);
    if (source === undefined)
      throw new TerminalError('OSS_NOT_FOUND', `copy ${from} to ${to}: the object does not exist`);
    if (source.size <= this.copyLimit) {
      await this.oss(`copy ${from} to ${to}`, () => this.client.copy(to, from));
      return;
    }
    const bucket = (this.client as unknown as { options: { bucket: string } }).options.bucket;
    const partSize = Math.max(100 * 1024, Math.min(64 * 1024 ** 2, Math.ceil(source.size / 4)));
    await this.oss(`multipart copy ${from} to ${to}`, () =>
      this.client.multipartUploadCopy(
        to,
        { sourceKey: from, sourceBucketName: bucket, startOffset: 0, endOffset: source.size },
        { partSize, parallel: 4 },
      ),
    );
  }

  private async oss<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await translatingOss(what, fn, endpointHost(this.client));
    } catch (error) {
      throw await explainVirtualHostDns(this.client, error);
    }
  }

  async delete(key: string): Promise<void> {
    await this.oss(`delete ${key}`, () => this.client.delete(key));
  }

  /** ListObjectsV2 from `startAfter` (exclusive), at most `maxKeys` (≤ 1000) objects. */
  async listPage(prefix: string, startAfter: string, maxKeys: number): Promise<ObjectPage> {
    const query: Record<string, unknown> = { prefix, 'max-keys': Math.min(1000, maxKeys) };
    if (startAfter !== '') query['start-after'] = startAfter;
    const page = await this.oss(`list ${prefix}`, () =>
      this.client.listV2(query as OSS.ListV2ObjectsQuery, {}),
    );
    const objects = (page.objects ?? []).map((o) => ({
      key: o.name,
      size: o.size,
      lastModified: new Date(o.lastModified),
    }));
    const last = objects.at(-1)?.key;
    return page.isTruncated && last !== undefined ? { objects, next: last } : { objects };
  }

  async *list(prefix: string, pageSize = 1000): AsyncIterable<{ key: string; size: number }> {
    let token: string | undefined;
    do {
      const query: Record<string, unknown> = { prefix, 'max-keys': pageSize };
      if (token) query['continuation-token'] = token;
      const page = await this.oss(`list ${prefix}`, () =>
        this.client.listV2(query as OSS.ListV2ObjectsQuery, {}),
      );
      for (const o of page.objects ?? []) yield { key: o.name, size: o.size };
      token = page.isTruncated ? (page.nextContinuationToken ?? undefined) : undefined;
    } while (token);
  }
}

function unquote(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}
