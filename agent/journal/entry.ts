import * as z from 'zod';
import type { MultipartState } from '../../adapters/object-store/file-upload.js';
import { type BatchStatus, BatchStatusSchema } from '../../core/batch-status.js';
import { type Problem, TerminalError } from '../../core/errors.js';
import { readJsonDocument } from '../../core/json-document.js';
import { formatManifest, ManifestSchema, type ManifestV1 } from '../../core/manifest.js';
import { checkWith } from '../../core/schema.js';
import { JOURNAL_FORMAT_VERSION, MultipartSchema, migrateEntry } from './entry-migration.js';

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

/** A journal file as a zod schema; fields this version does not know are kept (core/schema.ts checkWith). */
const JournalEntrySchema = z
  .looseObject({
    formatVersion: z.literal(JOURNAL_FORMAT_VERSION, {
      error: `must be 1 to ${JOURNAL_FORMAT_VERSION} (a format this qlib-sync reads)`,
    }),
    state: z.enum(JOURNAL_STATES, { error: `must be one of ${JOURNAL_STATES.join(', ')}` }),
    manifest: ManifestSchema,
    spoolPath: z.string().optional(),
    multipart: MultipartSchema.optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
    uploadedAt: z.string().optional(),
    attempts: z.int().min(0).optional(),
    lastError: z.object({ code: z.string(), message: z.string(), at: z.string() }).optional(),
    cloud: BatchStatusSchema.optional(),
  })
  .superRefine(
    (entry, ctx) => {
      // Runs whatever else is wrong (values may be raw): a pending batch without its spool cannot resume.
      const pending = (PENDING_STATES as readonly unknown[]).includes(entry.state);
      if (pending && typeof entry.spoolPath !== 'string') {
        const message = `a ${entry.state} batch needs its spoolPath`;
        ctx.addIssue({ code: 'custom', path: ['spoolPath'], message });
      }
    },
    { when: () => true },
  );

/** Parse a journal file; anything inconsistent is TerminalError JOURNAL_CORRUPT (doctor reports it). */
export function parseJournalEntry(text: string, file: string): JournalEntry {
  const corrupt = (why: string, problems: Problem[] = []) =>
    new TerminalError('JOURNAL_CORRUPT', `journal file ${file} is corrupt: ${why}`, {
      problems,
      details: { file },
    });
  const doc = readJsonDocument(text, 'JOURNAL');
  if (!doc.ok) throw corrupt(doc.message);
  // Older formats first become the current one (entry-migration.ts), then the one schema checks it.
  const checked = checkWith(JournalEntrySchema, migrateEntry(doc.value), 'JOURNAL');
  const problems = [...doc.problems, ...(checked.ok ? [] : checked.problems)];
  if (problems.length > 0 || !checked.ok) {
    throw corrupt(problems.map((p) => `${p.path} ${p.message}`).join('; '), problems);
  }
  const entry = checked.value;
  if (`${entry.manifest.batchId}.json` !== file.split('/').at(-1))
    throw corrupt('file name and batch id differ');
  return { ...entry, attempts: entry.attempts ?? 0 } as JournalEntry;
}

/** Pretty JSON with the manifest in its canonical key order. */
export function formatJournalEntry(entry: JournalEntry): string {
  const manifest = JSON.parse(formatManifest(entry.manifest)) as ManifestV1;
  return `${JSON.stringify({ ...entry, manifest }, null, 2)}\n`;
}
