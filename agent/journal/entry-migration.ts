/**
 * Journal entries carry their own format version (`formatVersion`), independent of the manifest's. Older
 * entries are migrated on read, so an agent upgraded between a crash and its `resume` finishes the upload:
 *   1 → 2  `checkpoint` (ali-oss's internal multipart object: file, name, fileSize, partSize, uploadId,
 *          doneParts) becomes `multipart` (uploadId, partSize, doneParts): the rest is the entry's own
 *          spoolPath and manifest. Entries are written in the current version only.
 * A version newer than this agent knows is left alone (reported as unreadable, never rewritten).
 */
import * as z from 'zod';

export const JOURNAL_FORMAT_VERSION = 2;

/** The `multipart` field of a v2 entry. */
export const MultipartSchema = z.strictObject({
  uploadId: z.string().min(1),
  partSize: z.int().positive(),
  doneParts: z.array(z.strictObject({ number: z.int().min(1).max(10_000), etag: z.string() })),
});

/** The entry document in the current format (a copy when it had to change). */
export function migrateEntry(doc: unknown): unknown {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return doc;
  const entry = doc as Record<string, unknown>;
  if (entry.formatVersion === 1) return fromV1(entry);
  return doc;
}

function fromV1(v1: Record<string, unknown>): Record<string, unknown> {
  const { checkpoint, ...rest } = v1;
  const v2: Record<string, unknown> = { ...rest, formatVersion: 2 };
  if (typeof checkpoint === 'object' && checkpoint !== null) {
    const { uploadId, partSize, doneParts } = checkpoint as Record<string, unknown>;
    v2.multipart = { uploadId, partSize, doneParts };
  }
  return v2;
}
