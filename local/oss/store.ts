import { createHash, randomBytes } from 'node:crypto';
import { type FileHandle, link, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isMissing, readJson, removeQuietly, TempDir } from './atomic-file.js';
import { KeyLock } from './key-lock.js';
import { ossError } from './oss-error.js';

/** Everything OSS knows about an object besides its bytes; one JSON sidecar per object. */
export interface ObjectMeta {
  key: string;
  size: number;
  /** Upper-case hex without quotes; `<HEX>-<n>` for a multipart object. */
  etag: string;
  crc64: string;
  /** ISO time. */
  lastModified: string;
  contentType: string;
  /** `x-oss-meta-*` headers, lower-case names with the prefix. */
  userMeta: Record<string, string>;
  /** Stored standard headers (Cache-Control, Content-Disposition, …), lower-case names. */
  headers: Record<string, string>;
  tags: Record<string, string>;
  type: 'Normal' | 'Multipart';
  /** File name of the bytes under the bucket's data dir. */
  dataFile: string;
}

export type NewObject = Omit<ObjectMeta, 'dataFile'>;

export interface BucketRecord {
  name: string;
  creationDate: string;
}

const BUCKET_NAME = /^[a-z0-9_][a-z0-9-_]{1,61}[a-z0-9_]$/;

/**
 * Filesystem-backed buckets. Layout under root:
 *   tmp/                                  in-flight writes (cleared at start)
 *   buckets/<b>/bucket.json               creation date
 *   buckets/<b>/meta/<name>.json          one sidecar per object: the commit point
 *   buckets/<b>/data/<random>             object bytes, plain files
 *   buckets/<b>/uploads/<uploadId>/…      multipart uploads (multipart-store.ts)
 * A key maps to `k<base64url(key)>` (or `h<sha256>` for long keys), so no key can name a path outside.
 */
export class ObjectStore {
  readonly temp: TempDir;
  readonly lock = new KeyLock();

  constructor(readonly root: string) {
    this.temp = new TempDir(join(root, 'tmp'));
  }

  async open(buckets: readonly string[]): Promise<void> {
    await rm(this.temp.dir, { recursive: true, force: true });
    await mkdir(this.temp.dir, { recursive: true });
    await mkdir(join(this.root, 'buckets'), { recursive: true });
    for (const name of buckets) await this.createBucket(name);
  }

  bucketDir(bucket: string): string {
    return join(this.root, 'buckets', bucket);
  }

  async createBucket(name: string): Promise<BucketRecord> {
    if (!BUCKET_NAME.test(name)) throw ossError('InvalidBucketName', { BucketName: name });
    const existing = await readJson<BucketRecord>(join(this.bucketDir(name), 'bucket.json'));
    if (existing) return existing;
    for (const sub of ['meta', 'data', 'uploads'])
      await mkdir(join(this.bucketDir(name), sub), { recursive: true });
    const record = { name, creationDate: new Date().toISOString() };
    await this.temp.writeJson(join(this.bucketDir(name), 'bucket.json'), record);
    return record;
  }

  async getBucket(name: string): Promise<BucketRecord> {
    const record = BUCKET_NAME.test(name)
      ? await readJson<BucketRecord>(join(this.bucketDir(name), 'bucket.json'))
      : undefined;
    if (!record) throw ossError('NoSuchBucket', { BucketName: name });
    return record;
  }

  async listBuckets(): Promise<BucketRecord[]> {
    const names = (await readdir(join(this.root, 'buckets'))).sort();
    const records = await Promise.all(
      names.map((n) => readJson<BucketRecord>(join(this.bucketDir(n), 'bucket.json'))),
    );
    return records.filter((r): r is BucketRecord => r !== undefined);
  }

  async deleteBucket(name: string): Promise<void> {
    await this.getBucket(name);
    const uploads = await readdir(join(this.bucketDir(name), 'uploads'));
    if ((await this.listKeys(name)).length > 0 || uploads.length > 0)
      throw ossError('BucketNotEmpty', { BucketName: name });
    await rm(this.bucketDir(name), { recursive: true, force: true });
  }

  async readMeta(bucket: string, key: string): Promise<ObjectMeta | undefined> {
    return readJson<ObjectMeta>(this.metaPath(bucket, key));
  }

  /** Metadata plus an open handle on the bytes. Retries when a concurrent overwrite removed the old bytes. */
  async openObject(bucket: string, key: string): Promise<{ meta: ObjectMeta; file: FileHandle }> {
    for (let attempt = 0; ; attempt++) {
      const meta = await this.readMeta(bucket, key);
      if (!meta) throw ossError('NoSuchKey', { Key: key });
      try {
        return { meta, file: await open(this.dataPath(bucket, meta.dataFile), 'r') };
      } catch (error) {
        if (!isMissing(error) || attempt >= 5) throw error;
      }
    }
  }

  /**
   * A second name at `path` (a temp file, for commit) for the bytes of `meta`: objects' data files are never
   * written after commit, so the link is a copy that costs nothing. False when those bytes are gone (a
   * concurrent overwrite or delete removed them) or cannot be linked.
   */
  async linkData(bucket: string, meta: ObjectMeta, path: string): Promise<boolean> {
    try {
      await link(this.dataPath(bucket, meta.dataFile), path);
      return true;
    } catch (error) {
      // EXDEV, EPERM: a state directory whose temp dir or file system cannot link; the caller copies.
      const code = (error as NodeJS.ErrnoException).code;
      if (isMissing(error) || code === 'EXDEV' || code === 'EPERM') return false;
      throw error;
    }
  }

  /**
   * Make `dataPath` (a complete temp file) the object's bytes. `build` sees the current object under the
   * key's lock, so checks like x-oss-forbid-overwrite are atomic with the write; it may throw. The temp
   * file is gone afterwards either way.
   */
  async commit(
    bucket: string,
    key: string,
    dataPath: string,
    build: (previous: ObjectMeta | undefined) => NewObject,
  ): Promise<{ meta: ObjectMeta; previous: ObjectMeta | undefined }> {
    try {
      return await this.lock.run(`${bucket}/${key}`, async () => {
        const previous = await this.readMeta(bucket, key);
        const dataFile = `obj-${randomBytes(12).toString('hex')}`;
        const meta: ObjectMeta = { ...build(previous), dataFile };
        await rename(dataPath, this.dataPath(bucket, dataFile));
        await this.temp.writeJson(this.metaPath(bucket, key), meta);
        if (previous) await removeQuietly(this.dataPath(bucket, previous.dataFile));
        return { meta, previous };
      });
    } finally {
      await removeQuietly(dataPath);
    }
  }

  /** Change metadata only (tagging); NoSuchKey when the object is gone. */
  async updateMeta(
    bucket: string,
    key: string,
    change: (meta: ObjectMeta) => ObjectMeta,
  ): Promise<ObjectMeta> {
    return this.lock.run(`${bucket}/${key}`, async () => {
      const meta = await this.readMeta(bucket, key);
      if (!meta) throw ossError('NoSuchKey', { Key: key });
      const next = change(meta);
      await this.temp.writeJson(this.metaPath(bucket, key), next);
      return next;
    });
  }

  async remove(bucket: string, key: string): Promise<ObjectMeta | undefined> {
    return this.lock.run(`${bucket}/${key}`, async () => {
      const meta = await this.readMeta(bucket, key);
      if (!meta) return undefined;
      await removeQuietly(this.metaPath(bucket, key));
      await removeQuietly(this.dataPath(bucket, meta.dataFile));
      return meta;
    });
  }

  /** All keys of a bucket in OSS order: by UTF-8 bytes. */
  async listKeys(bucket: string): Promise<string[]> {
    const names = await readdir(join(this.bucketDir(bucket), 'meta'));
    const keys = await Promise.all(
      names.filter((n) => n.endsWith('.json')).map((n) => this.keyOf(bucket, n)),
    );
    const present = keys.filter((k): k is string => k !== undefined);
    const bytes = new Map(present.map((k) => [k, Buffer.from(k)]));
    return present.sort((a, b) => Buffer.compare(bytes.get(a)!, bytes.get(b)!));
  }

  private async keyOf(bucket: string, fileName: string): Promise<string | undefined> {
    const stem = fileName.slice(0, -'.json'.length);
    if (stem.startsWith('k')) return Buffer.from(stem.slice(1), 'base64url').toString('utf8');
    return (await readJson<ObjectMeta>(join(this.bucketDir(bucket), 'meta', fileName)))?.key;
  }

  private metaPath(bucket: string, key: string): string {
    const bytes = Buffer.from(key);
    const stem =
      bytes.length <= 150
        ? `k${bytes.toString('base64url')}`
        : `h${createHash('sha256').update(bytes).digest('hex')}`;
    return join(this.bucketDir(bucket), 'meta', `${stem}.json`);
  }

  dataPath(bucket: string, dataFile: string): string {
    return join(this.bucketDir(bucket), 'data', dataFile);
  }
}
