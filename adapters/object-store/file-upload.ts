import type OSS from 'ali-oss';
import { TerminalError } from '../../core/errors.js';
import { endpointHost } from './client.js';
import { translateOssError } from './errors.js';

/**
 * ali-oss's resumable multipart state (ali-oss lib/managed-upload.js): `file` is the PATH of the uploaded file, so the
 * checkpoint can be persisted as JSON and handed back after a crash to send only the missing parts.
 */
export interface UploadCheckpoint {
  file: string;
  name: string;
  fileSize: number;
  partSize: number;
  uploadId: string;
  doneParts: { number: number; etag: string }[];
}

export interface UploadFileOptions {
  /** Part size in bytes (ali-oss: ≥ 100 KiB, raised so there are at most 10000 parts). */
  partSize: number;
  /** Parts in flight at once. */
  parallel: number;
  /** Resume from this checkpoint (its `file` must be the same path). */
  checkpoint?: UploadCheckpoint;
  /** Called after the upload starts and after every finished part with the checkpoint to persist. */
  onProgress?: (fraction: number, checkpoint: UploadCheckpoint | undefined) => void | Promise<void>;
  contentType?: string;
  /** Refuse to replace an existing object (OSS_EXISTS). */
  forbidOverwrite?: boolean;
}

export interface UploadResult {
  etag: string;
  /** x-oss-hash-crc64ecma of the completed object, when OSS sent it. */
  crc64: string | undefined;
}

/**
 * Upload a local file with multipartUpload (a plain put below 100 KiB, as ali-oss decides). When the
 * checkpoint's upload no longer exists on the server (completed, aborted, expired), ali-oss reports an
 * "abort" event; that becomes TerminalError OSS_NO_UPLOAD so the caller can start afresh.
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
      await options.onProgress?.(fraction, checkpoint as UploadCheckpoint | undefined);
    },
  };
  if (options.checkpoint) multipartOptions.checkpoint = options.checkpoint as unknown as OSS.Checkpoint;
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
    if (isAbortEvent(error)) {
      throw new TerminalError('OSS_NO_UPLOAD', `upload ${key}: the multipart upload no longer exists`, {
        details: { uploadId: options.checkpoint?.uploadId },
      });
    }
    throw translateOssError(error, `upload ${key}`, endpointHost(client));
  }
}

/** ali-oss signals a vanished upload (404 on a part) with a plain object, not an Error. */
function isAbortEvent(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'abort';
}
