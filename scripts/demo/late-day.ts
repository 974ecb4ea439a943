import type MNS from '@alicloud/mns';
import type { Pool } from 'mysql2/promise';
import type { ManualClock } from '../../local/fc/clock.js';
import type { LocalStack } from '../../local/stack.js';
import { appendDays, type QlibFixture } from '../../test/support/qlib-fixture.js';
import { runSlaCli } from '../sla.js';
import { runAgent } from './agent-cli.js';
import { waitSettled } from './show.js';
import type { StoryChecks } from './story-checks.js';

/** The queue the demo subscribes to the alert topic, as a user would (npm run alerts -- subscribe --queue …). */
export const DEMO_INBOX = 'qlib-inbox';

interface Io {
  say: (line?: string) => void;
  section: (title: string) => void;
  checks: StoryChecks;
}

/** Shanghai wall time (UTC+8) as an instant. */
export function shanghai(day: string, time: string): Date {
  return new Date(`${day}T${time}:00+08:00`);
}

/**
 * The monitor's part of the story: qlib's daily update adds a trading day and the calendar is pushed, but the
 * day's fields are not. The monitor's timer (on a controlled clock) fires at 18:00 Shanghai: one WARN; the fields are
 * pushed; at 18:10 the incident resolves: one RESOLVED. The subscriber's queue shows both.
 */
export async function lateDay(
  ctx: {
    stack: LocalStack;
    pool: Pool;
    mysqlUrl: string;
    mns: MNS;
    clock: ManualClock;
    agentEnv: Record<string, string>;
  },
  qlib: QlibFixture,
  { say, section, checks }: Io,
): Promise<void> {
  section('6. the monitor: the next trading day is late, then arrives');
  const [day] = appendDays(qlib, 1, 7);
  const previous = qlib.calendar.at(-2) as string;
  say(
    `qlib's daily update adds ${day}; the calendar is pushed, the fields not yet (the research server is late)`,
  );
  await runAgent(
    ['push', qlib.root, '--from', 'calendar', '--dataset', 'cn', '--since-last'],
    ctx.agentEnv,
    say,
  );
  await waitSettled(ctx.pool, { dataset: 'cn', through: day as string });

  // The generated data is not stationary (random walks, NULLs that thin out), which drift rightly notices; this
  // step is about lateness, so drift is switched off for the dataset, the way a user would.
  say('$ npm run sla -- set cn_daily --drift off');
  const sla = await runSlaCli(
    ['set', 'cn_daily', '--drift', 'off'],
    { MYSQL_URL: ctx.mysqlUrl, USER: 'demo' },
    {
      out: (l) => say(`  ${l}`),
      err: (l) => say(`  ${l}`),
    },
  );
  checks.check('the SLA command switched drift off for cn_daily', sla === 0, sla);
  await tick(ctx, shanghai(day as string, '18:00'), say);
  const warned = await freshness(ctx.mns, say);
  checks.check(
    `at 18:00 the monitor warned once that cn_daily ${day} was not loaded`,
    warned.length === 1 && warned[0] === `WARN cn_daily ${day} not loaded by 18:00 (last loaded ${previous})`,
    warned,
  );

  const market = ['--market', qlib.market, '--fields', qlib.fields.join(',')];
  await runAgent(['push', qlib.root, '--dataset', 'cn_daily', '--since-last', ...market], ctx.agentEnv, say);
  await waitSettled(ctx.pool, { dataset: 'cn_daily', through: day as string });
  await tick(ctx, shanghai(day as string, '18:10'), say);
  const resolved = await freshness(ctx.mns, say);
  checks.check(
    `at 18:10, with the day loaded, the incident resolved with one message`,
    resolved.length === 1 && resolved[0]?.startsWith(`RESOLVED cn_daily ${day} loaded at `) === true,
    resolved,
  );
  say(
    `history: npm run sla -- show cn_daily; SELECT * FROM incidents; SELECT * FROM check_results WHERE trading_day = '${day}'`,
  );
}

/** Move the controlled clock: the monitor's timer (s.yaml, every 10 minutes Shanghai) fires, the run finishes. */
async function tick(ctx: { stack: LocalStack; clock: ManualClock }, to: Date, say: (line: string) => void) {
  say(
    `clock → ${to.toISOString()} (${to.toLocaleString('en-GB', { timeZone: 'Asia/Shanghai' })} Shanghai): the monitor's timer fires`,
  );
  await ctx.clock.set(to);
  await ctx.stack.fc.idle();
}

/** The freshness messages the subscriber's queue received since the last look (other messages are shown, not counted). */
async function freshness(mns: MNS, say: (line: string) => void): Promise<string[]> {
  const out: string[] = [];
  for (let wait = 2; ; wait = 0) {
    const message = await mns.receiveMessage(DEMO_INBOX, wait).catch(() => undefined);
    if (message === undefined) break;
    const body = JSON.parse(message.body.MessageBody) as { summary: string; check: string };
    say(`  subscriber │ ${body.summary}`);
    if (body.check === 'freshness') out.push(body.summary);
    await mns.deleteMessage(DEMO_INBOX, message.body.ReceiptHandle);
  }
  return out;
}
