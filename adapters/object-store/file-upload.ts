import { statSync } from 'node:fs';
import type OSS from 'ali-oss';
import { TerminalError } from '../../core/errors.js';
import { endpointHost } from './client.js';
import { translateOssError } from './errors.js';

/**
 * What resuming a multipart upload needs, in our own terms: the upload id, the part size the file was cut
 * by, and the parts OSS acknowledged (part number and ETag, which CompleteMultipartUpload lists). ali-oss
 * keeps more in its internal checkpoint (the file, the key, the size): those are the caller's already, and
 * ali-oss's object is rebuilt from them, so nothing outside this file depends on its shape.
 */
export interface MultipartState {
  uploadId: string;
  partSize: number;
  doneParts: { number: number; etag: string }[];
}

export interface UploadFileOptions {
  /** Part size in bytes (ali-oss: ≥ 100 KiB, raised so there are at most 10000 parts). */
  partSize: number;
  /** Parts in flight at once. */
  parallel: number;
  /** Resume this upload: only the parts not in doneParts are sent. */
  resume?: MultipartState;
  /** Called after the upload starts and after every finished part with the state to persist. */
  onProgress?: (fraction: number, state: MultipartState | undefined) => void | Promise<void>;
  contentType?: string;
  /** Refuse to replace an existing object (OSS_EXISTS). */
  forbidOverwrite?: boolean;
}

export interface UploadResult {
  etag: string;
  /** x-oss-hash-crc64ecma of the completed object, when OSS sent it. */
  crc64: string | undefined;
}

/** ali-oss's checkpoint (ali-oss 6.x lib/managed-upload.js multipartUpload, _resumeMultipart). */
interface AliCheckpoint {
  file: string;
  name: string;
  fileSize: number;
  partSize: number;
  uploadId: string;
  doneParts: { number: number; etag: string }[];
}

/**
 * Upload a local file with multipartUpload (a plain put below 100 KiB, as ali-oss decides). When the
 * resumed upload no longer exists on the server (completed, aborted, expired), ali-oss reports an "abort"
 * event; that becomes TerminalError OSS_NO_UPLOAD so the caller can start afresh.
 */
export async function uploadFile(
  client: OSS,
  key: string,
  path: string,
  options: UploadFileOptions,
): Promise<UploadResult> {
  const headers: Record<string, string> = {};
  if (options.forbidOverwrite) headers['x-oss-forbid-overwrite'] = 'true';
  const multipartOptions: OSS.MultipartUploadOptions = {
    partSize: options.partSize,
    parallel: options.parallel,
    headers,
    progress: async (fraction: number, checkpoint: unknown) => {
      await options.onProgress?.(fraction, stateOf(checkpoint as AliCheckpoint | null | undefined));
    },
  };
  if (options.resume) {
    const checkpoint: AliCheckpoint = {
      file: path,
      name: key,
      fileSize: statSync(path).size,
      partSize: options.resume.partSize,
      uploadId: options.resume.uploadId,
      doneParts: options.resume.doneParts.map((p) => ({ ...p })),
    };
    multipartOptions.checkpoint = checkpoint as unknown as OSS.Checkpoint;
  }
  if (options.contentType) multipartOptions.mime = options.contentType;
  try {
    const result = (await client.multipartUpload(key, path, multipartOptions)) as {
      res: { headers: Record<string, string | undefined> };
      etag?: string;
    };
    const responseHeaders = result.res.headers;
    return {
      etag: (result.etag ?? responseHeaders.etag ?? '').replace(/^"|"$/g, ''),
      crc64: responseHeaders['x-oss-hash-crc64ecma'],
    };
  } catch (error) {
    // ali-oss settles the upload at the first failed part while the others are still in flight
    // (lib/common/parallel.js _parallel); stop them, so a retry after the backoff starts from a quiet line.
    (client as unknown as { cancel?: () => void }).cancel?.();
    if (isAbortEvent(error)) {
      throw new TerminalError('OSS_NO_UPLOAD', `upload ${key}: the multipart upload no longer exists`, {
        details: { uploadId: options.resume?.uploadId },
      });
    }
    throw translateOssError(error, `upload ${key}`, endpointHost(client));
  }
}

/** Our copy of the parts of ali-oss's checkpoint (which ali-oss goes on mutating). */
function stateOf(checkpoint: AliCheckpoint | null | undefined): MultipartState | undefined {
  if (checkpoint === undefined || checkpoint === null) return undefined;
  const { uploadId, partSize, doneParts } = checkpoint;
  return { uploadId, partSize, doneParts: doneParts.map((p) => ({ number: p.number, etag: p.etag })) };
}

/** ali-oss signals a vanished upload (404 on a part) with a plain object, not an Error. */
function isAbortEvent(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'abort';
}
