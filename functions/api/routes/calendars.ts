import type { Hono } from 'hono';
import * as z from 'zod';
import { calendarDays, calendars } from '../../../adapters/warehouse/catalog.js';
import { checkQuery, dateParam } from '../../../core/api/params.js';
import { DATASET_PATTERN } from '../../../core/identifiers.js';
import { requireScope } from '../auth.js';
import type { ApiEnv } from '../deps.js';
import { badParameters, notFound } from '../http-error.js';

const Range = z.object({
  start: dateParam.optional(),
  end: dateParam.optional(),
  format: z.enum(['json', 'txt'], 'must be json or txt').optional(),
});

/** Trading calendars: the list, and one calendar's days (JSON, or qlib's calendars/day.txt with format=txt). */
export function calendarRoutes(app: Hono<ApiEnv>): void {
  app.get('/v1/calendars', requireScope('read:data', 'read:status'), async (c) => {
    return c.json({ calendars: await calendars(c.env.pool) });
  });

  app.get('/v1/calendars/:name', requireScope('read:data'), async (c) => {
    const name = c.req.param('name');
    const read = checkQuery(Range, c.req.query(), ['start', 'end', 'format']);
    if (!read.ok) throw badParameters(read.problems);
    const known =
      DATASET_PATTERN.test(name) && (await calendars(c.env.pool)).some((k) => k.calendar === name);
    if (!known) throw notFound(`calendar ${name}`);
    const days = await calendarDays(c.env.pool, name, read.value.start, read.value.end);
    if (read.value.format === 'txt') return c.text(days.map((d) => `${d}\n`).join(''));
    return c.json({ calendar: name, days });
  });
}
