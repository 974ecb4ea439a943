import * as z from 'zod';
import { formatBatchId } from './batch-id.js';
import { sha256Hex } from './digest.js';
import { TerminalError } from './errors.js';
import { checkWith } from './schema.js';

/**
 * Where ingest puts a batch it cannot keep under its own key (docs/batch-format.md, "Objects ingest cannot
 * file under their own key"):
 *   quarantine/_rejected/<rejection-id>/<file>        the objects, with reason.json
 *   status/_rejected/<sha256 of the manifest key>.json  the outcome, for the producer to read back
 * - KEY_INVALID: the manifest's key is not a valid batch key (a dataset with `;`, upper case, 65 characters, an
 *   unknown kind, a malformed batch id …): nothing of it may become part of another key.
 * - BATCH_ID_REUSED: new bytes under a batch id the ledger has settled: its own loaded/ or quarantine/ prefix
 *   holds the evidence of the first batch, and its status key the first batch's outcome.
 * A rejection id is `<when, as a batch-id stamp>-<first 16 hex digits of the key's SHA-256>`: every rejection
 * gets its own prefix, and they sort by time. "_" never starts a kind, so these keys never parse as a batch's.
 */
export const REJECTED_PREFIX = 'quarantine/_rejected/';
export const REJECTED_STATUS_PREFIX = 'status/_rejected/';

/** The files moved there: the manifest, a payload beside it, and the reason. */
export const REJECTED_FILES = ['manifest.json', 'data.csv.gz', 'data.jsonl.gz', 'reason.json'] as const;
export type RejectedFile = (typeof REJECTED_FILES)[number];

/** SHA-256 (hex) of an object key as UTF-8: a name for the key that is safe anywhere. */
export function keyDigest(key: string): string {
  return sha256Hex(Buffer.from(key, 'utf8'));
}

/** The id of one rejection of the batch whose manifest is at `manifestKey`. */
export function rejectionId(manifestKey: string, at: Date): string {
  return formatBatchId(at, keyDigest(manifestKey).slice(0, 16));
}

export function rejectedObjectKey(id: string, file: RejectedFile): string {
  return `${REJECTED_PREFIX}${id}/${file}`;
}

/** The status a producer polls for the batch it wrote at `manifestKey`: computable from that key alone. */
export function rejectedStatusKey(manifestKey: string): string {
  return `${REJECTED_STATUS_PREFIX}${keyDigest(manifestKey)}.json`;
}

/**
 * The objects of the batch a manifest key announces: the manifest, and the payloads beside it when the key ends
 * in `/manifest.json`. Never a listing: a hostile key (`incoming/manifest.json`) must not take anything else along.
 */
export function batchObjectsOf(manifestKey: string): { key: string; file: RejectedFile }[] {
  const objects: { key: string; file: RejectedFile }[] = [{ key: manifestKey, file: 'manifest.json' }];
  if (!manifestKey.endsWith('/manifest.json')) return objects;
  const dir = manifestKey.slice(0, -'manifest.json'.length);
  for (const file of ['data.csv.gz', 'data.jsonl.gz'] as const) objects.push({ key: `${dir}${file}`, file });
  return objects;
}

const STATUS_SCHEMA = z.strictObject({
  formatVersion: z.literal(1),
  key: z.string().min(1),
  status: z.literal('rejected'),
  code: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/),
  at: z.iso.datetime(),
  summary: z.string(),
  reasonKey: z.string().startsWith(REJECTED_PREFIX),
  batchId: z.string().optional(),
});

/** The outcome of a batch ingest filed under quarantine/_rejected/ (KEY_INVALID, BATCH_ID_REUSED). */
export type RejectedKeyStatus = z.infer<typeof STATUS_SCHEMA>;

/** Canonical JSON of a rejected-key status (validated). */
export function formatRejectedKeyStatus(status: RejectedKeyStatus): string {
  const text = `${JSON.stringify(status, null, 2)}\n`;
  parseRejectedKeyStatus(text);
  return text;
}

/** Read a rejected-key status; every problem at once (STATUS_INVALID). */
export function parseRejectedKeyStatus(input: string | Uint8Array): RejectedKeyStatus {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof input === 'string' ? input : Buffer.from(input).toString('utf8'));
  } catch (cause) {
    throw new TerminalError('STATUS_NOT_JSON', `status is not valid JSON: ${(cause as Error).message}`, {
      cause,
    });
  }
  const checked = checkWith(STATUS_SCHEMA, doc, 'STATUS');
  if (checked.ok) return checked.value;
  const list = checked.problems.map((p) => `${p.path}: ${p.message}`).join('; ');
  throw new TerminalError('STATUS_INVALID', `status is invalid: ${list}`, { problems: checked.problems });
}
