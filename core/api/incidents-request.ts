import * as z from 'zod';
import { DATASET_PATTERN } from '../identifiers.js';
import { checkQuery, countParam, dateParam, instantParam, type ParamsResult, type Query } from './params.js';

/** GET /v1/incidents: the monitor's and ingest's incidents, newest change first (docs/api.md). */
export interface IncidentsRequest {
  state?: 'open' | 'resolved';
  dataset?: string;
  /** UTC DATETIME text: incidents changed (opened, escalated, resolved) at or after it. */
  since?: string;
  limit: number;
  /** keyset: incidents with a smaller id than the last one served */
  beforeId?: number;
}

const PARAMS = ['state', 'dataset', 'since', 'limit', 'cursor'] as const;
export const MAX_INCIDENTS_PER_PAGE = 500;

const Schema = z.object({
  state: z.enum(['open', 'resolved'], 'must be open or resolved').optional(),
  dataset: z.string().regex(DATASET_PATTERN, 'must be a dataset name').optional(),
  since: z
    .union(
      [dateParam.transform((d) => `${d} 00:00:00.000`), instantParam],
      'must be a date YYYY-MM-DD or a time with a zone',
    )
    .optional(),
  limit: countParam(MAX_INCIDENTS_PER_PAGE).optional(),
  cursor: z
    .string()
    .regex(/^i\d{1,18}$/, 'is not a cursor this API returned')
    .optional(),
});

export function readIncidentsRequest(query: Query): ParamsResult<IncidentsRequest> {
  const checked = checkQuery(Schema, query, PARAMS);
  if (!checked.ok) return checked;
  const { cursor, limit, ...rest } = checked.value;
  const out: IncidentsRequest = { ...rest, limit: limit ?? 100 };
  if (cursor !== undefined) out.beforeId = Number(cursor.slice(1));
  return { ok: true, value: out };
}

/** The cursor after the incident with this id. */
export function incidentsCursor(id: number): string {
  return `i${id}`;
}
