import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { UploadCheckpoint } from '../../adapters/object-store/file-upload.js';
import type { UploadingStore } from '../../adapters/object-store/store.js';
import { sha256Hex } from '../../core/digest.js';
import { TerminalError, TransientError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { writeFileAtomic } from '../journal/atomic-file.js';
import { type RetryPolicy, withRetry } from '../retry.js';
import type { RunArtifact } from './artifacts.js';

export interface ArtifactUploadDeps {
  store: UploadingStore;
  /** <journalDir>/artifacts: one checkpoint file per artifact upload in flight. */
  dir: string;
  logger: Logger;
  retry: RetryPolicy & { sleep?: (ms: number) => Promise<void> };
  multipart: { threshold: number; partSize: number; parallel: number };
  onProgress?: (key: string, sent: number, total: number) => void;
}

/** What is journaled while an artifact uploads: ali-oss's checkpoint, saved after every part (kill -9 safe). */
interface ArtifactJournal {
  key: string;
  file: string;
  bytes: number;
  crc64: string;
  checkpoint?: UploadCheckpoint;
}

/**
 * Upload one artifact unless OSS already holds the same bytes (same size and CRC-64: uploaded before, or by an
 * earlier push that died before its batch). Large files go multipart with a checkpoint journaled after every
 * part, so a killed agent resumes without re-sending finished parts; the CRC-64 OSS computed must be ours (a
 * mismatch re-uploads once). Returns whether bytes were sent.
 */
export async function uploadArtifact(deps: ArtifactUploadDeps, artifact: RunArtifact): Promise<boolean> {
  const { key, digest } = artifact;
  if (key === null || digest === null)
    throw new Error(`artifact ${artifact.path} is not selected for upload`);
  const retry = <T>(fn: () => Promise<T>) =>
    withRetry(fn, deps.retry, deps.retry.sleep ? { sleep: deps.retry.sleep } : {});
  const there = await retry(() => deps.store.head(key));
  if (there?.size === digest.bytes && there.crc64 === digest.crc64) return false;
  mkdirSync(deps.dir, { recursive: true, mode: 0o700 });
  const path = join(deps.dir, `${sha256Hex(key).slice(0, 32)}.json`);
  let state = readState(path, artifact, digest.crc64);
  const save = (next: ArtifactJournal) => {
    state = next;
    writeFileAtomic(path, `${JSON.stringify(next)}\n`);
  };
  save(state);
  for (let round = 1; round <= 2; round++) {
    const crc = await retry(() => sendOnce(deps, artifact, state, save));
    const actual = crc ?? (await retry(() => deps.store.head(key)))?.crc64;
    if (actual === digest.crc64 || actual === undefined) {
      rmSync(path, { force: true });
      return true;
    }
    deps.logger.warn('artifact CRC-64 mismatch; uploading again', {
      key,
      expected: digest.crc64,
      got: actual,
    });
    save({ ...state, checkpoint: undefined });
  }
  throw new TransientError('ARTIFACT_CRC_MISMATCH', `OSS computed a different CRC-64 for ${key} twice`);
}

async function sendOnce(
  deps: ArtifactUploadDeps,
  artifact: RunArtifact,
  state: ArtifactJournal,
  save: (s: ArtifactJournal) => void,
): Promise<string | undefined> {
  const key = artifact.key as string;
  const total = artifact.bytes;
  if (total < deps.multipart.threshold) {
    const result = await deps.store.put(key, readFileSync(artifact.file), {
      contentType: 'application/octet-stream',
    });
    deps.onProgress?.(key, total, total);
    return result.crc64;
  }
  const send = (checkpoint: UploadCheckpoint | undefined) =>
    deps.store.uploadFile(key, artifact.file, {
      partSize: deps.multipart.partSize,
      parallel: deps.multipart.parallel,
      checkpoint,
      contentType: 'application/octet-stream',
      onProgress: (fraction, next) => {
        if (next !== undefined) save({ ...state, checkpoint: next });
        deps.onProgress?.(key, Math.round(fraction * total), total);
      },
    });
  try {
    return (await send(state.checkpoint)).crc64;
  } catch (error) {
    if (!(error instanceof TerminalError && error.code === 'OSS_NO_UPLOAD')) throw error;
    // The upload the checkpoint names is gone (completed, aborted or expired): start afresh.
    save({ ...state, checkpoint: undefined });
    return (await send(undefined)).crc64;
  }
}

/** The journaled state of this artifact's upload, when it is for these very bytes; a fresh one otherwise. */
function readState(path: string, artifact: RunArtifact, crc64: string): ArtifactJournal {
  const fresh: ArtifactJournal = {
    key: artifact.key as string,
    file: artifact.file,
    bytes: artifact.bytes,
    crc64,
  };
  if (!existsSync(path)) return fresh;
  try {
    const saved = JSON.parse(readFileSync(path, 'utf8')) as ArtifactJournal;
    const same =
      saved.key === fresh.key &&
      saved.file === fresh.file &&
      saved.bytes === fresh.bytes &&
      saved.crc64 === crc64;
    return same && saved.checkpoint?.file === artifact.file ? saved : fresh;
  } catch {
    return fresh;
  }
}
