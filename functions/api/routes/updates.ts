import type { Hono } from 'hono';
import * as z from 'zod';
import { calendarDays, calendarOf } from '../../../adapters/warehouse/catalog.js';
import {
  dataDays,
  instrumentSpans,
  loadedBetween,
  snapshotOf,
} from '../../../adapters/warehouse/dataset-updates.js';
import { latestSnapshot, loadedRanges } from '../../../adapters/warehouse/snapshots.js';
import { mergeRanges } from '../../../core/api/coverage.js';
import { checkQuery, isoInstant } from '../../../core/api/params.js';
import { requireScope } from '../auth.js';
import type { ApiEnv } from '../deps.js';
import { badParameters } from '../http-error.js';
import { factorDataset } from './lookup.js';

const Query = z.object({
  since: z
    .string()
    .regex(/^[\w.-]{1,128}$/, 'must be a batch id')
    .optional(),
});

/**
 * GET /v1/datasets/{dataset}/updates?since=<batch id> (docs/pull.md): what `qlib-sync pull` needs to bring a
 * copy at snapshot `since` to the latest one: the latest snapshot, the date ranges loaded in between (null when
 * `since` is absent or not a loaded batch of the dataset: everything), the trading days of the latest snapshot
 * and each instrument's first and last day. The values themselves come from /values with `as_of`.
 */
export function updatesRoutes(app: Hono<ApiEnv>): void {
  app.get('/v1/datasets/:dataset/updates', requireScope('read:data'), async (c) => {
    const entry = await factorDataset(c.env, c.req.param('dataset'));
    const read = checkQuery(Query, c.req.query(), ['since']);
    if (!read.ok) throw badParameters(read.problems);
    const pool = c.env.pool;
    const snapshot = await latestSnapshot(pool, entry.dataset, null);
    const since =
      read.value.since === undefined ? null : await snapshotOf(pool, entry.dataset, read.value.since);
    const batches =
      since === null || snapshot === null ? null : await loadedBetween(pool, entry.dataset, since, snapshot);
    const coverage = snapshot === null ? [] : mergeRanges(await loadedRanges(pool, entry.dataset, snapshot));
    const first = coverage[0]?.start;
    const last = coverage.at(-1)?.end;
    const calendar = await calendarOf(pool, entry.calendar);
    let days: string[] = [];
    if (first !== undefined && last !== undefined) {
      days =
        calendar === null
          ? (await dataDays(pool, entry.dataset)).filter((d) => d >= first && d <= last)
          : await calendarDays(pool, calendar, first, last);
    }
    return c.json({
      dataset: entry.dataset,
      columns: entry.columns,
      snapshot:
        snapshot === null ? null : { batchId: snapshot.batchId, loadedAt: isoInstant(snapshot.loadedAt) },
      since: read.value.since === undefined ? null : { batchId: read.value.since, known: since !== null },
      changed: batches === null ? null : mergeRanges(batches),
      batches,
      calendar,
      days,
      instruments: snapshot === null ? [] : await instrumentSpans(pool, entry.dataset),
    });
  });
}
