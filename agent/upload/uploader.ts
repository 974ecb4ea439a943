import { readFileSync, rmSync } from 'node:fs';
import type { MultipartState } from '../../adapters/object-store/file-upload.js';
import type { UploadingStore } from '../../adapters/object-store/store.js';
import { PipelineError, TerminalError, TransientError } from '../../core/errors.js';
import { formatBatchKey } from '../../core/keys.js';
import type { Logger } from '../../core/logger.js';
import { formatManifest } from '../../core/manifest.js';
import type { JournalEntry } from '../journal/entry.js';
import type { Journal } from '../journal/journal.js';
import { type RetryPolicy, withRetry } from '../retry.js';
import { checkSpool } from './spool-check.js';

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

  async run(verifySpool: boolean): Promise<void> {
    const { manifest } = this.entry;
    const existing = await this.retry(() => this.deps.store.head(manifest.payload.key));
    if (existing?.crc64 !== manifest.payload.crc64) {
      await checkSpool(this.entry, verifySpool);
      await this.sendPayload();
    }
    await this.putManifest();
    // Journal "uploaded" first, then drop the spool: a crash in between leaves a stray spool file (doctor
    // lists it), never an "uploading" entry whose payload is gone.
    const spool = this.entry.spoolPath;
    this.save({
      state: 'uploaded',
      uploadedAt: this.deps.now().toISOString(),
      spoolPath: undefined,
      multipart: undefined,
      lastError: undefined,
    });
    if (spool !== undefined) rmSync(spool, { force: true });
  }

  private async sendPayload(): Promise<void> {
    const { payload, batchId } = this.entry.manifest;
    for (let round = 1; round <= 2; round++) {
      const crc =
        (await this.sendOnce()) ?? (await this.retry(() => this.deps.store.head(payload.key)))?.crc64;
      if (crc === payload.crc64) return;
      if (crc === undefined) {
        this.deps.logger.warn('OSS reported no CRC-64 for the payload; SHA-256 is checked by ingest', {
          batchId,
        });
        return;
      }
      this.deps.logger.warn('payload CRC-64 mismatch', { batchId, expected: payload.crc64, got: crc, round });
      this.save({ multipart: undefined });
    }
    throw new TransientError(
      'PAYLOAD_CRC_MISMATCH',
      `OSS computed a different CRC-64 for ${payload.key} twice: something between here and OSS alters uploads`,
    );
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
    const send = (resume: MultipartState | undefined) =>
      this.deps.store.uploadFile(payload.key, path, {
        partSize,
        parallel,
        ...(resume === undefined ? {} : { resume }),
        contentType: 'application/gzip',
        onProgress: (fraction, next) => {
          if (next !== undefined) this.save({ state: 'uploading', multipart: next });
          this.deps.onProgress?.(Math.round(fraction * payload.bytes), payload.bytes);
        },
      });
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
      onRetry: (error, attempt, delayMs) =>
        this.deps.logger.warn('transient OSS fault, retrying', {
          batchId: this.entry.manifest.batchId,
          attempt,
          delayMs,
          error,
        }),
    });
  }
}
