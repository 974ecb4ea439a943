import * as z from 'zod';
import { DATASET_PATTERN } from '../identifiers.js';
import { checkQuery, countParam, dateParam, instantParam, type ParamsResult, type Query } from './params.js';

/** GET /v1/batches: the load history, newest first, forever (docs/api.md). */
export interface BatchesRequest {
  dataset?: string;
  status?: string;
  /** UTC DATETIME text: batches first seen at or after it. */
  since?: string;
  limit: number;
  before?: { seenAt: string; batchId: string };
}

export const BATCH_STATUSES = ['loading', 'loaded', 'rejected', 'failed', 'duplicate'] as const;
const PARAMS = ['dataset', 'status', 'since', 'limit', 'cursor'] as const;
export const MAX_BATCHES_PER_PAGE = 500;

const Cursor = z.tuple([
  z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/),
  z.string().min(1).max(128),
]);

const Schema = z.object({
  dataset: z.string().regex(DATASET_PATTERN, 'must be a dataset name').optional(),
  status: z.enum(BATCH_STATUSES, `must be one of ${BATCH_STATUSES.join(', ')}`).optional(),
  since: z
    .union(
      [dateParam.transform((d) => `${d} 00:00:00.000`), instantParam],
      'must be a date YYYY-MM-DD or a time with a zone',
    )
    .optional(),
  limit: countParam(MAX_BATCHES_PER_PAGE).optional(),
  cursor: z
    .string()
    .transform((text, ctx) => {
      try {
        return Cursor.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not a cursor this API returned' });
        return z.NEVER;
      }
    })
    .optional(),
});

export function readBatchesRequest(query: Query): ParamsResult<BatchesRequest> {
  const checked = checkQuery(Schema, query, PARAMS);
  if (!checked.ok) return checked;
  const { cursor, limit, ...rest } = checked.value;
  const out: BatchesRequest = { ...rest, limit: limit ?? 100 };
  if (cursor !== undefined) out.before = { seenAt: cursor[0], batchId: cursor[1] };
  return { ok: true, value: out };
}

export function batchesCursor(seenAt: string, batchId: string): string {
  return Buffer.from(JSON.stringify([seenAt, batchId]), 'utf8').toString('base64url');
}
