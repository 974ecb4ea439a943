import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { MultipartState } from '../../adapters/object-store/file-upload.js';
import type { UploadingStore } from '../../adapters/object-store/store.js';
import { sha256Hex } from '../../core/digest.js';
import { TerminalError, TransientError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { writeFileAtomic } from '../journal/atomic-file.js';
import { type RetryPolicy, withRetry } from '../retry.js';
import { checkStored, type StoredFault } from '../upload/stored-check.js';
import type { RunArtifact } from './artifacts.js';

export interface ArtifactUploadDeps {
  store: UploadingStore;
  /** <journalDir>/artifacts: one state file per artifact upload in flight. */
  dir: string;
  logger: Logger;
  retry: RetryPolicy & { sleep?: (ms: number) => Promise<void> };
  multipart: { threshold: number; partSize: number; parallel: number };
  onProgress?: (key: string, sent: number, total: number) => void;
}

/** What is journaled while an artifact uploads: the multipart upload's state, saved after every part (kill -9 safe). */
interface ArtifactJournal {
  key: string;
  file: string;
  bytes: number;
  crc64: string;
  multipart?: MultipartState;
}

/**
 * Upload one artifact unless OSS already holds the same bytes (same size and CRC-64: uploaded before, or by an
 * earlier push that died before its batch). Large files go multipart with their state journaled after every
 * part, so a killed agent resumes without re-sending finished parts; the CRC-64 OSS computed must be ours, or
 * with a store that reports none the size (a mismatch re-uploads once). Returns whether bytes were sent.
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
  const head = () => retry(() => deps.store.head(key));
  const stored = { key, bytes: digest.bytes, crc64: digest.crc64 };
  let fault: StoredFault | undefined;
  for (let round = 1; round <= 2; round++) {
    fault = await checkStored(
      stored,
      await retry(() => sendOnce(deps, artifact, state, save)),
      head,
      deps.logger,
    );
    if (fault === undefined) {
      rmSync(path, { force: true });
      return true;
    }
    deps.logger.warn(`artifact ${fault.kind === 'crc' ? 'CRC-64' : 'size'} mismatch; uploading again`, {
      key,
      expected: fault.kind === 'crc' ? digest.crc64 : digest.bytes,
      got: fault.got,
    });
    save({ ...state, multipart: undefined });
  }
  if (fault?.kind === 'size') {
    throw new TransientError(
      'ARTIFACT_SIZE_MISMATCH',
      `the store holds ${fault.got ?? 'no'} bytes under ${key} after two uploads of ${digest.bytes}`,
    );
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
  const send = (resume: MultipartState | undefined) =>
    deps.store.uploadFile(key, artifact.file, {
      partSize: deps.multipart.partSize,
      parallel: deps.multipart.parallel,
      ...(resume === undefined ? {} : { resume }),
      contentType: 'application/octet-stream',
      onProgress: (fraction, next) => {
        if (next !== undefined) save({ ...state, multipart: next });
        deps.onProgress?.(key, Math.round(fraction * total), total);
      },
    });
  try {
    return (await send(state.multipart)).crc64;
  } catch (error) {
    if (!(error instanceof TerminalError && error.code === 'OSS_NO_UPLOAD')) throw error;
    // The upload the state names is gone (completed, aborted or expired): start afresh.
    save({ ...state, multipart: undefined });
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
    const saved = JSON.parse(readFileSync(path, 'utf8')) as ArtifactJournal & { checkpoint?: MultipartState };
    const same =
      saved.key === fresh.key &&
      saved.file === fresh.file &&
      saved.bytes === fresh.bytes &&
      saved.crc64 === crc64;
    if (!same) return fresh;
    // A state written before the multipart upload had fields of its own kept ali-oss's checkpoint object.
    const { checkpoint, ...rest } = saved;
    if (rest.multipart !== undefined || checkpoint === undefined) return rest;
    const { uploadId, partSize, doneParts } = checkpoint;
    return { ...rest, multipart: { uploadId, partSize, doneParts } };
  } catch {
    return fresh;
  }
}
