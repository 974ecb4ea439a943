import { readFileSync, rmSync } from 'node:fs';
import type { MultipartState } from '../../adapters/object-store/file-upload.js';
import type { UploadingStore } from '../../adapters/object-store/store.js';
import type { BatchStatus } from '../../core/batch-status.js';
import { PipelineError, TerminalError } from '../../core/errors.js';
import { formatBatchKey } from '../../core/keys.js';
import type { Logger } from '../../core/logger.js';
import { formatManifest } from '../../core/manifest.js';
import type { JournalEntry } from '../journal/entry.js';
import type { Journal } from '../journal/journal.js';
import { type RetryPolicy, withRetry } from '../retry.js';
import { findInCloud } from './cloud-check.js';
import { checkSpool } from './spool-check.js';
import { checkStored, type StoredFault, storedFaultError } from './stored-check.js';

export interface UploadDeps {
  store: UploadingStore;
  journal: Journal;
  logger: Logger;
  now: () => Date;
  retry: RetryPolicy & { sleep?: (ms: number) => Promise<void> };
  multipart: { threshold: number; partSize: number; parallel: number };
  onProgress?: (sentBytes: number, totalBytes: number) => void;
}

/**
 * Upload one journaled batch: the payload first (multipart above the threshold, its state saved after
 * every part so a killed agent resumes without re-sending them), its CRC-64 checked against what OSS
 * computed (a mismatch re-uploads once), then the manifest last with x-oss-forbid-overwrite (already there
 * = already uploaded). Transient faults are retried with backoff; the entry records every failure.
 */
export async function uploadEntry(
  deps: UploadDeps,
  entry: JournalEntry,
  verifySpool: boolean,
): Promise<JournalEntry> {
  const upload = new EntryUpload(deps, entry);
  try {
    await upload.run(verifySpool);
    return upload.entry;
  } catch (error) {
    const code = error instanceof PipelineError ? error.code : 'BUG';
    const lastError = {
      code,
      message: (error as Error).message ?? String(error),
      at: deps.now().toISOString(),
    };
    upload.save({ attempts: upload.entry.attempts + 1, lastError });
    throw error;
  }
}

class EntryUpload {
  /** Counts the multipart attempts (progress of an earlier one is ignored). */
  private attempt = 0;

  constructor(
    private readonly deps: UploadDeps,
    public entry: JournalEntry,
  ) {}

  save(patch: Partial<JournalEntry>): void {
    this.entry = { ...this.entry, ...patch, updatedAt: this.deps.now().toISOString() };
    for (const key of Object.keys(patch) as (keyof JournalEntry)[]) {
      if (patch[key] === undefined) delete this.entry[key];
    }
    this.deps.journal.save(this.entry);
  }

  /**
   * `resuming`: the batch was tried before (a crash, a network failure): the spool is hashed against the
   * manifest, and the cloud is asked first whether it already has the batch (cloud-check.ts).
   */
  async run(resuming: boolean): Promise<void> {
    const { manifest } = this.entry;
    if (resuming) {
      const copy = await findInCloud(this.deps.store, manifest, (fn) => this.retry(fn));
      if (copy !== undefined) {
        const where = copy.where === 'status' ? `status ${copy.status.status}` : copy.key;
        this.deps.logger.info('the cloud already has this batch; nothing sent', { where });
        this.finish(copy.where === 'status' ? copy.status : undefined);
        return;
      }
    }
    const existing = await this.retry(() => this.deps.store.head(manifest.payload.key));
    // Only OSS's CRC-64 proves the stored bytes are ours; without one (another store) the payload goes again.
    if (existing?.crc64 === undefined || existing.crc64 !== manifest.payload.crc64) {
      await checkSpool(this.entry, resuming);
      await this.sendPayload();
    }
    await this.putManifest();
    this.finish(undefined);
  }

  /**
   * Journal "uploaded" (or what ingest decided, when its status object was found) first, then drop the
   * spool: a crash in between leaves a stray spool file (doctor lists it), never an unfinished entry whose
   * payload is gone.
   */
  private finish(cloud: BatchStatus | undefined): void {
    const spool = this.entry.spoolPath;
    this.save({
      state: cloud?.status ?? 'uploaded',
      uploadedAt: this.deps.now().toISOString(),
      spoolPath: undefined,
      multipart: undefined,
      lastError: undefined,
      ...(cloud === undefined ? {} : { cloud }),
    });
    if (spool !== undefined) rmSync(spool, { force: true });
  }

  private async sendPayload(): Promise<void> {
    const { payload } = this.entry.manifest;
    const head = () => this.retry(() => this.deps.store.head(payload.key));
    let fault: StoredFault | undefined;
    for (let round = 1; round <= 2; round++) {
      fault = await checkStored(payload, await this.sendOnce(), head, this.deps.logger);
      if (fault === undefined) return;
      const what = fault.kind === 'crc' ? 'CRC-64' : 'size';
      const expected = fault.kind === 'crc' ? payload.crc64 : payload.bytes;
      this.deps.logger.warn(`payload ${what} mismatch`, { expected, got: fault.got, round });
      this.save({ multipart: undefined });
    }
    throw storedFaultError(fault as StoredFault, payload);
  }

  /** One upload of the payload; returns the CRC-64 OSS reported, if any. */
  private async sendOnce(): Promise<string | undefined> {
    const { payload } = this.entry.manifest;
    const path = this.entry.spoolPath as string;
    const { threshold, partSize, parallel } = this.deps.multipart;
    if (payload.bytes < threshold) {
      const body = readFileSync(path);
      this.save({ state: 'uploading' });
      const result = await this.retry(() =>
        this.deps.store.put(payload.key, body, { contentType: 'application/gzip' }),
      );
      this.deps.onProgress?.(payload.bytes, payload.bytes);
      return result.crc64;
    }
    this.save({ state: 'uploading' });
    const send = (resume: MultipartState | undefined) => {
      // A part of a failed attempt that finishes late must not journal its attempt's (older) state.
      const attempt = ++this.attempt;
      return this.deps.store.uploadFile(payload.key, path, {
        partSize,
        parallel,
        ...(resume === undefined ? {} : { resume }),
        contentType: 'application/gzip',
        onProgress: (fraction, next) => {
          if (attempt !== this.attempt) return;
          if (next !== undefined) this.save({ state: 'uploading', multipart: next });
          this.deps.onProgress?.(Math.round(fraction * payload.bytes), payload.bytes);
        },
      });
    };
    const result = await this.retry(async () => {
      try {
        return await send(this.entry.multipart);
      } catch (error) {
        if (!(error instanceof TerminalError && error.code === 'OSS_NO_UPLOAD')) throw error;
        // The upload the journal names is gone (completed, aborted or expired): start afresh.
        this.save({ multipart: undefined });
        return await send(undefined);
      }
    });
    return result.crc64;
  }

  private async putManifest(): Promise<void> {
    const m = this.entry.manifest;
    const key = formatBatchKey({
      area: 'incoming',
      kind: m.kind,
      dataset: m.dataset,
      batchId: m.batchId,
      file: 'manifest.json',
    });
    try {
      await this.retry(() =>
        this.deps.store.put(key, formatManifest(m), {
          forbidOverwrite: true,
          contentType: 'application/json',
        }),
      );
    } catch (error) {
      if (error instanceof TerminalError && error.code === 'OSS_EXISTS') return; // uploaded before a crash
      throw error;
    }
  }

  private retry<T>(fn: () => Promise<T>): Promise<T> {
    const { sleep, ...policy } = this.deps.retry;
    return withRetry(fn, policy, {
      ...(sleep ? { sleep } : {}),
      // info: a fault the retry got past needs nobody's attention (off a terminal, push keeps quiet);
      // the last one, if every attempt fails, is the command's error.
      onRetry: (error, attempt, delayMs) =>
        this.deps.logger.info('transient OSS fault, retrying', {
          batchId: this.entry.manifest.batchId,
          attempt,
          delayMs,
          error,
        }),
    });
  }
}
