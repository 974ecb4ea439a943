import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factorRows, makeBatch } from '../ingest/batch-builder.js';
import { COLUMNS, cst, type MonitorEnv, startMonitorEnv, waitSettled } from './stack-harness.js';

const DING_SECRET = 'SECdemo0123456789';
const FEISHU_SECRET = 'feishu-secret';

interface RobotCall {
  robot: string;
  body: Record<string, unknown>;
}

/**
 * The optional alert relay (s.yaml qlib-alert-relay, HTTP trigger) subscribed to the alert topic with the subscribe
 * command: each alert becomes a DingTalk, a WeCom and a Feishu robot message, signed as each requires; the robots
 * here check the signatures the way the vendors document them.
 */
describe.sequential('alert relay on the local stack: DingTalk, WeCom and Feishu robots', () => {
  let env: MonitorEnv;
  let robots: { url: string; server: Server; calls: RobotCall[] };
  beforeAll(async () => {
    robots = await startRobots();
    env = await startMonitorEnv('relay', {
      start: cst('2024-03-11', '09:00'),
      subscribe: false,
      env: {
        RELAY_DINGTALK_URL: `${robots.url}/robot/send?access_token=ding-token`,
        RELAY_DINGTALK_SECRET: DING_SECRET,
        RELAY_WECOM_URL: `${robots.url}/cgi-bin/webhook/send?key=wecom-key`,
        RELAY_FEISHU_URL: `${robots.url}/open-apis/bot/v2/hook/feishu-hook`,
        RELAY_FEISHU_SECRET: FEISHU_SECRET,
        RELAY_TOKEN: 'relay-token',
      },
    });
  });
  afterAll(async () => {
    await env?.close();
    await new Promise<void>((resolve) => robots?.server.close(() => resolve()));
  });

  it('turns an alert into one message per robot, signed where the robot requires it; refuses pushes without the token', async () => {
    const relayUrl = env.stack.fc.httpUrl('qlib-alert-relay');
    expect(relayUrl).toBeDefined();
    const unsigned = await fetch(`${relayUrl}/relay`, { method: 'POST', body: '{"summary":"x"}' });
    expect(unsigned.status).toBe(403);
    expect((await env.alertsCli(['subscribe', '--http', `${relayUrl}/relay?token=relay-token`])).code).toBe(
      0,
    );

    const rows = factorRows({ dates: ['2024-03-08'], instruments: 21, columns: COLUMNS, seed: 4 });
    rows.push({ ...(rows[0] as (typeof rows)[0]) });
    const bad = makeBatch({ dataset: 'rl_daily', columns: COLUMNS, rows });
    await env.upload(bad);
    await waitSettled(env.query, bad.batchId);
    for (let i = 0; i < 200 && robots.calls.length < 3; i++) await new Promise((r) => setTimeout(r, 25));

    const summary = `ERROR rl_daily 2024-03-08 batch ${bad.batchId} quarantined: DUPLICATE_KEY`;
    expect(robots.calls.map((c) => c.robot).sort()).toEqual(['dingtalk', 'feishu', 'wecom']);
    const ding = robots.calls.find((c) => c.robot === 'dingtalk')?.body as {
      msgtype: string;
      markdown: { title: string; text: string };
    };
    expect(ding.msgtype).toBe('markdown');
    expect(ding.markdown.text.startsWith(`### 🔴 ${summary}`)).toBe(true);
    expect(ding.markdown.text).toContain('**What to do**');
    const wecom = robots.calls.find((c) => c.robot === 'wecom')?.body as { markdown: { content: string } };
    expect(wecom.markdown.content.startsWith(`### <font color="warning">${summary}`)).toBe(true);
    const feishu = robots.calls.find((c) => c.robot === 'feishu')?.body as {
      msg_type: string;
      content: { text: string };
    };
    expect(feishu.msg_type).toBe('text');
    expect(feishu.content.text.startsWith(`🔴 ${summary}`)).toBe(true);
  });
});

/** Three robot webhooks in one server; each checks its vendor's signature and answers as the vendor does. */
async function startRobots(): Promise<{ url: string; server: Server; calls: RobotCall[] }> {
  const calls: RobotCall[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://robots');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      const answer = (robot: string, ok: boolean, good: object, bad: object) => {
        if (ok) calls.push({ robot, body });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ok ? good : bad));
      };
      if (url.pathname === '/robot/send') {
        // DingTalk: sign = base64(HMAC-SHA256(secret, timestamp + "\n" + secret)), timestamp in ms, within an hour.
        const ts = url.searchParams.get('timestamp') ?? '';
        const sign = createHmac('sha256', DING_SECRET).update(`${ts}\n${DING_SECRET}`).digest('base64');
        const ok =
          url.searchParams.get('access_token') === 'ding-token' &&
          url.searchParams.get('sign') === sign &&
          Math.abs(Date.now() - Number(ts)) < 3_600_000;
        answer('dingtalk', ok, { errcode: 0, errmsg: 'ok' }, { errcode: 310000, errmsg: 'sign not match' });
      } else if (url.pathname === '/cgi-bin/webhook/send') {
        answer(
          'wecom',
          url.searchParams.get('key') === 'wecom-key',
          { errcode: 0, errmsg: 'ok' },
          { errcode: 93000, errmsg: 'invalid webhook url' },
        );
      } else {
        // Feishu: sign = base64(HMAC-SHA256 keyed with timestamp + "\n" + secret, over nothing), timestamp in seconds.
        const ts = String(body.timestamp ?? '');
        const sign = createHmac('sha256', `${ts}\n${FEISHU_SECRET}`).update('').digest('base64');
        const ok =
          url.pathname.endsWith('/feishu-hook') &&
          body.sign === sign &&
          Math.abs(Date.now() / 1000 - Number(ts)) < 3600;
        answer('feishu', ok, { code: 0, msg: 'success', data: {} }, { code: 19021, msg: 'sign match fail' });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server, calls };
}
