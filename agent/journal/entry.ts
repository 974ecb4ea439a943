import type { MultipartState } from '../../adapters/object-store/file-upload.js';
import { type BatchStatus, parseBatchStatus } from '../../core/batch-status.js';
import { TerminalError } from '../../core/errors.js';
import { formatManifest, type ManifestV1, parseManifest } from '../../core/manifest.js';
import { checkMultipart, JOURNAL_FORMAT_VERSION, migrateEntry } from './entry-migration.js';

/**
 * A batch's life on the research server: built (payload spooled) → uploading (multipart state kept
 * after every part) → uploaded (payload and manifest in OSS) → loaded | rejected | duplicate (read back from
 * status/<kind>/<dataset>/<batch-id>.json, which ingest writes).
 */
export const JOURNAL_STATES = ['built', 'uploading', 'uploaded', 'loaded', 'rejected', 'duplicate'] as const;
export type JournalState = (typeof JOURNAL_STATES)[number];

/** States whose upload is unfinished: `resume` (and every `push`) completes them. */
export const PENDING_STATES: readonly JournalState[] = ['built', 'uploading'];

export interface JournalEntry {
  /** This entry's own format (entry-migration.ts); older ones are migrated on read. */
  formatVersion: 2;
  state: JournalState;
  /** The manifest exactly as it is (or will be) uploaded: the batch's identity and content digest. */
  manifest: ManifestV1;
  /** The spooled payload (absent once uploaded). */
  spoolPath?: string;
  /** The multipart upload while uploading: its id, part size and the parts OSS acknowledged. */
  multipart?: MultipartState;
  createdAt: string;
  updatedAt: string;
  uploadedAt?: string;
  /** Upload attempts that failed (transient faults included). */
  attempts: number;
  lastError?: { code: string; message: string; at: string };
  /** The status object ingest published, once read. */
  cloud?: BatchStatus;
}

/** Parse a journal file; anything inconsistent is TerminalError JOURNAL_CORRUPT (doctor reports it). */
export function parseJournalEntry(text: string, file: string): JournalEntry {
  try {
    const doc = migrateEntry(JSON.parse(text)) as Partial<JournalEntry>;
    if (doc === null || typeof doc !== 'object') throw new Error('not a journal entry');
    if (doc.formatVersion !== JOURNAL_FORMAT_VERSION) {
      throw new Error(
        `format ${doc.formatVersion} is not one this qlib-sync reads (1 to ${JOURNAL_FORMAT_VERSION})`,
      );
    }
    if (!JOURNAL_STATES.includes(doc.state as JournalState)) throw new Error(`unknown state ${doc.state}`);
    const manifest = parseManifest(JSON.stringify(doc.manifest));
    if (`${manifest.batchId}.json` !== file.split('/').at(-1))
      throw new Error('file name and batch id differ');
    if (PENDING_STATES.includes(doc.state as JournalState) && typeof doc.spoolPath !== 'string') {
      throw new Error(`a ${doc.state} batch needs its spoolPath`);
    }
    if (doc.cloud !== undefined) parseBatchStatus(JSON.stringify(doc.cloud));
    if (doc.multipart !== undefined) checkMultipart(doc.multipart);
    if (typeof doc.createdAt !== 'string' || typeof doc.updatedAt !== 'string')
      throw new Error('timestamps missing');
    return {
      ...(doc as JournalEntry),
      manifest,
      attempts: typeof doc.attempts === 'number' ? doc.attempts : 0,
    };
  } catch (cause) {
    throw new TerminalError(
      'JOURNAL_CORRUPT',
      `journal file ${file} is corrupt: ${(cause as Error).message}`,
      {
        cause,
        details: { file },
      },
    );
  }
}

/** Pretty JSON with the manifest in its canonical key order. */
export function formatJournalEntry(entry: JournalEntry): string {
  const manifest = JSON.parse(formatManifest(entry.manifest)) as ManifestV1;
  return `${JSON.stringify({ ...entry, manifest }, null, 2)}\n`;
}
