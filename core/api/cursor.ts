import { createHash } from 'node:crypto';
import * as z from 'zod';
import { checkWith } from '../schema.js';

/**
 * The values cursor (docs/api.md, "Paging"): opaque base64url JSON that carries the snapshot the first page
 * pinned (so no later page straddles a restatement), the last (trade_date, instrument) served, what the first
 * page knew (complete-through day, rows per day), and a digest of the query it belongs to.
 */
export interface ValuesCursor {
  /** The query this cursor continues (see queryKey). */
  query: string;
  /** The snapshot: the latest loaded batch when the first page was served (or at as_of), and its load time. */
  snapshot: { batchId: string; loadedAt: string } | null;
  /** Last position served: a date, and the last instrument of it (null: the whole date was served). */
  after: { date: string; instrument: string | null };
  completeThrough: string | null;
  /** Rows per trading day the first page estimated (sizes the date windows of filtered reads). */
  perDay: number;
}

const Wire = z.strictObject({
  v: z.literal(1),
  q: z.string().regex(/^[0-9a-f]{16}$/),
  s: z
    .tuple([z.string().min(1).max(128), z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/)])
    .nullable(),
  d: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  i: z.string().min(1).max(64).nullable(),
  c: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .nullable(),
  p: z.number().positive().max(1e9),
});

export function encodeCursor(c: ValuesCursor): string {
  const wire: z.input<typeof Wire> = {
    v: 1,
    q: c.query,
    s: c.snapshot === null ? null : [c.snapshot.batchId, c.snapshot.loadedAt],
    d: c.after.date,
    i: c.after.instrument,
    c: c.completeThrough,
    p: c.perDay,
  };
  return Buffer.from(JSON.stringify(wire), 'utf8').toString('base64url');
}

/** The cursor, or a message saying why the text is not one of ours. */
export function decodeCursor(text: string): { ok: ValuesCursor } | { error: string } {
  if (!/^[A-Za-z0-9_-]{1,2048}$/.test(text)) return { error: 'is not a cursor this API returned' };
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return { error: 'is not a cursor this API returned' };
  }
  const checked = checkWith(Wire, doc, 'CURSOR');
  if (!checked.ok) return { error: 'is not a cursor this API returned (or it was changed)' };
  const w = checked.value;
  return {
    ok: {
      query: w.q,
      snapshot: w.s === null ? null : { batchId: w.s[0], loadedAt: w.s[1] },
      after: { date: w.d, instrument: w.i },
      completeThrough: w.c,
      perDay: w.p,
    },
  };
}

/** A short digest of everything that shapes a values answer but the cursor itself (and limit/format). */
export function queryKey(parts: Record<string, unknown>): string {
  const canonical = JSON.stringify(Object.entries(parts).sort(([a], [b]) => a.localeCompare(b)));
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}
