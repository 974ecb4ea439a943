import type { Hono } from 'hono';
import * as z from 'zod';
import { changesOf, recordChange } from '../../../adapters/warehouse/admin-changes.js';
import { marketMembers, markets, replaceMarket } from '../../../adapters/warehouse/markets.js';
import { inTransaction } from '../../../adapters/warehouse/sql.js';
import { marketTextAsJson, readMarketJson } from '../../../core/api/market-members.js';
import { checkQuery, dateParam } from '../../../core/api/params.js';
import { MARKET_PATTERN } from '../../../core/api/values-request.js';
import { requireScope } from '../auth.js';
import type { ApiEnv } from '../deps.js';
import { badParameters, HttpError, notFound } from '../http-error.js';
import { changeView } from './change-view.js';

const Range = z.object({
  start: dateParam.optional(),
  end: dateParam.optional(),
  format: z.enum(['json', 'txt'], 'must be json or txt').optional(),
});

/** Markets (qlib's instruments/<market>.txt): read them; an admin sets one, recorded like every change. */
export function marketRoutes(app: Hono<ApiEnv>): void {
  app.get('/v1/markets', requireScope('read:data', 'read:status'), async (c) =>
    c.json({ markets: await markets(c.env.pool) }),
  );

  app.get('/v1/markets/:market', requireScope('read:data'), async (c) => {
    const market = marketName(c.req.param('market'));
    const read = checkQuery(Range, c.req.query(), ['start', 'end', 'format']);
    if (!read.ok) throw badParameters(read.problems);
    const members = await marketMembers(c.env.pool, market, read.value.start, read.value.end);
    if (members.length === 0 && !(await markets(c.env.pool)).some((m) => m.market === market))
      throw notFound(`market ${market}`);
    if (read.value.format === 'txt')
      return c.text(members.map((m) => `${m.instrument}\t${m.start}\t${m.end}\n`).join(''));
    return c.json({
      market,
      members,
      changes: (await changesOf(c.env.pool, 'market', market, 20)).map(changeView),
    });
  });

  app.put('/v1/markets/:market', requireScope('admin'), async (c) => {
    const market = marketName(c.req.param('market'));
    const type = c.req.header('content-type') ?? '';
    const body = /^text\/plain\b/i.test(type)
      ? marketTextAsJson(await c.req.text())
      : await jsonOrThrow(c.req.text(), type);
    const read = readMarketJson(body);
    if (!read.ok) throw badParameters(read.problems);
    const actor = { name: c.get('caller').name, requestId: c.env.requestId, note: read.value.note };
    const change = await inTransaction(c.env.pool, async (conn) => {
      const before = await marketMembers(conn, market);
      await replaceMarket(conn, market, read.value.members);
      const id = await recordChange(
        conn,
        'market',
        market,
        'members',
        summary(before),
        summary(read.value.members),
        actor,
      );
      return id;
    });
    const [recorded] = (await changesOf(c.env.pool, 'market', market, 1)).filter((x) => x.id === change);
    return c.json({
      market,
      members: read.value.members.length,
      change: recorded === undefined ? null : changeView(recorded),
    });
  });
}

function marketName(name: string): string {
  if (!MARKET_PATTERN.test(name)) throw notFound(`market ${name}`);
  return name;
}

async function jsonOrThrow(text: Promise<string>, type: string): Promise<unknown> {
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'send application/json, or text/plain in the qlib instruments format',
    );
  }
  try {
    return JSON.parse(await text);
  } catch {
    throw new HttpError(400, 'BODY_NOT_JSON', 'the body is not valid JSON');
  }
}

/** What the change log keeps of a member list: its size and the instruments (not every span). */
function summary(members: readonly { instrument: string }[]) {
  const instruments = [...new Set(members.map((m) => m.instrument))].sort();
  return { memberships: members.length, instruments };
}
