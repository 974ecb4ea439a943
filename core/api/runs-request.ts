import * as z from 'zod';
import { checkQuery, countParam, type ParamsResult, type Query } from './params.js';

/**
 * GET /v1/runs (docs/api.md, "Experiments"): runs sorted by one of run_summaries' typed columns. The column is
 * chosen from this list by name — never taken from the request as an identifier — and the page is keyset-paged
 * on (value is null, value, run id), so NULLs come last in either direction.
 */
export const RUN_ORDER_COLUMNS = [
  'start_time',
  'end_time',
  'ic',
  'icir',
  'rank_ic',
  'rank_icir',
  'ann_return_without_cost_1day',
  'info_ratio_without_cost_1day',
  'max_drawdown_without_cost_1day',
  'ann_return_with_cost_1day',
  'info_ratio_with_cost_1day',
  'max_drawdown_with_cost_1day',
] as const;
export type RunOrderColumn = (typeof RUN_ORDER_COLUMNS)[number];

export interface RunsCursor {
  /** the last row's value was NULL */
  isNull: boolean;
  value: string | number | null;
  runId: string;
}

export interface RunsRequest {
  experiment?: string;
  store?: string;
  orderBy: RunOrderColumn;
  desc: boolean;
  includeDeleted: boolean;
  limit: number;
  after?: RunsCursor;
}

export const MAX_RUNS_PER_PAGE = 500;
const PARAMS = ['experiment', 'store', 'order_by', 'desc', 'include_deleted', 'limit', 'cursor'] as const;
const flag = z
  .enum(['true', 'false', '1', '0'], 'must be true or false')
  .transform((v) => v === 'true' || v === '1');
const Wire = z.tuple([
  z.union([z.literal(0), z.literal(1)]),
  z.union([z.string().max(64), z.number(), z.null()]),
  z.string().regex(/^[0-9a-zA-Z_-]{1,64}$/),
]);

const Schema = z.object({
  experiment: z.string().min(1).max(255).optional(),
  store: z.string().min(1).max(48).optional(),
  order_by: z.enum(RUN_ORDER_COLUMNS, `must be one of ${RUN_ORDER_COLUMNS.join(', ')}`).optional(),
  desc: flag.optional(),
  include_deleted: flag.optional(),
  limit: countParam(MAX_RUNS_PER_PAGE).optional(),
  cursor: z
    .string()
    .transform((text, ctx) => {
      try {
        return Wire.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not a cursor this API returned' });
        return z.NEVER;
      }
    })
    .optional(),
});

export function readRunsRequest(query: Query): ParamsResult<RunsRequest> {
  const checked = checkQuery(Schema, query, PARAMS);
  if (!checked.ok) return checked;
  const v = checked.value;
  const orderBy = v.order_by ?? 'start_time';
  const out: RunsRequest = {
    orderBy,
    // Figures read best-first by default except drawdowns (less negative is better either way: say desc=).
    desc: v.desc ?? true,
    includeDeleted: v.include_deleted ?? false,
    limit: v.limit ?? 50,
  };
  if (v.experiment !== undefined) out.experiment = v.experiment;
  if (v.store !== undefined) out.store = v.store;
  if (v.cursor !== undefined)
    out.after = { isNull: v.cursor[0] === 1, value: v.cursor[1], runId: v.cursor[2] };
  return { ok: true, value: out };
}

export function runsCursor(c: RunsCursor): string {
  return Buffer.from(JSON.stringify([c.isNull ? 1 : 0, c.value, c.runId]), 'utf8').toString('base64url');
}
