import * as z from 'zod';
import { isBatchId } from './batch-id.js';
import { TerminalError } from './errors.js';
import { isDatasetName } from './identifiers.js';
import { readJsonDocument } from './json-document.js';
import { BATCH_KINDS, type BatchKind, parseKey } from './keys.js';
import { checkWith, formatVersionOne } from './schema.js';

/**
 * The outcome ingest publishes for a batch at `status/<kind>/<dataset>/<batch-id>.json` (keys.ts
 * formatStatusKey), and the agent reads back (docs/batch-format.md). Until it exists a batch is "uploaded".
 */
export interface BatchStatus {
  formatVersion: 1;
  batchId: string;
  kind: BatchKind;
  dataset: string;
  status: BatchOutcome;
  /** When ingest decided, ISO 8601 UTC. */
  at: string;
  /** Rows merged into the table (loaded batches). */
  rowsLoaded?: number;
  /** The batch whose identical content was loaded before (duplicate batches). */
  duplicateOf?: string;
  /** The rule or contract code that rejected the batch, e.g. DUPLICATE_KEY. */
  code?: string;
  /** One line a person can read. */
  summary: string;
  /** `quarantine/…/reason.json`, the full evidence of a rejection. */
  reasonKey?: string;
  /** Codes of the warning findings (the batch loaded anyway). */
  warnings: string[];
}

export const BATCH_OUTCOMES = ['loaded', 'rejected', 'duplicate'] as const;
export type BatchOutcome = (typeof BATCH_OUTCOMES)[number];

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const batchId = z.string().refine(isBatchId, 'must be a batch id');

/** The status object as a zod schema (read with core/schema.ts checkWith; docs/batch-format.md §5). */
export const BatchStatusSchema = z
  .strictObject({
    formatVersion: formatVersionOne,
    batchId,
    kind: z.enum(BATCH_KINDS, { error: `must be one of ${BATCH_KINDS.join(', ')}` }),
    dataset: z.string().refine(isDatasetName, 'must match ^[a-z][a-z0-9_]{0,47}$'),
    status: z.enum(BATCH_OUTCOMES, { error: `must be one of ${BATCH_OUTCOMES.join(', ')}` }),
    at: z.string().refine(isIsoUtc, 'must be ISO 8601 UTC'),
    rowsLoaded: z.int().min(0, 'must be >= 0').optional(),
    duplicateOf: batchId.optional(),
    code: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'must be a code')
      .optional(),
    summary: z.string(),
    reasonKey: z.string().refine(isReasonKey, 'must be quarantine/…/reason.json').optional(),
    warnings: z.array(z.string({ error: 'must be a code string' }).min(1, 'must be a code string')),
  })
  .superRefine(
    (s, ctx) => {
      if (s.duplicateOf !== undefined && s.status !== 'duplicate') {
        ctx.addIssue({
          code: 'custom',
          path: ['duplicateOf'],
          message: 'only a duplicate batch names the batch it duplicates',
        });
      }
    },
    { when: () => true },
  );

/** Parse a status object (JSON text or bytes); every problem at once, as TerminalError STATUS_INVALID. */
export function parseBatchStatus(input: string | Uint8Array): BatchStatus {
  const doc = readJsonDocument(input, 'STATUS');
  if (!doc.ok) throw new TerminalError('STATUS_NOT_JSON', `batch status is not valid JSON: ${doc.message}`);
  const checked = checkWith(BatchStatusSchema, doc.value, 'STATUS', {
    kinds: { FORMAT: 'VALUE', RANGE: 'VALUE' },
  });
  const problems = [...doc.problems, ...(checked.ok ? [] : checked.problems)];
  if (problems.length > 0 || !checked.ok) {
    const list = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
    throw new TerminalError('STATUS_INVALID', `batch status is invalid: ${list}`, { problems });
  }
  return checked.value satisfies BatchStatus;
}

/** Canonical JSON of a status (fixed key order, absent optionals omitted, trailing newline); validates it. */
export function formatBatchStatus(s: BatchStatus): string {
  const ordered: Record<string, unknown> = {
    formatVersion: s.formatVersion,
    batchId: s.batchId,
    kind: s.kind,
    dataset: s.dataset,
    status: s.status,
    at: s.at,
  };
  if (s.rowsLoaded !== undefined) ordered.rowsLoaded = s.rowsLoaded;
  if (s.duplicateOf !== undefined) ordered.duplicateOf = s.duplicateOf;
  if (s.code !== undefined) ordered.code = s.code;
  ordered.summary = s.summary;
  if (s.reasonKey !== undefined) ordered.reasonKey = s.reasonKey;
  ordered.warnings = [...s.warnings];
  const text = `${JSON.stringify(ordered, null, 2)}\n`;
  parseBatchStatus(text);
  return text;
}

function isReasonKey(key: string): boolean {
  try {
    const parsed = parseKey(key);
    return parsed.type === 'batch' && parsed.area === 'quarantine' && parsed.file === 'reason.json';
  } catch {
    return false;
  }
}

function isIsoUtc(value: string): boolean {
  return ISO_UTC.test(value) && !Number.isNaN(Date.parse(value));
}
