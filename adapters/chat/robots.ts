import { dingTalkMessage, dingTalkSignedUrl, feishuMessage, weComMessage } from '../../core/chat-message.js';
import { TerminalError, TransientError } from '../../core/errors.js';
import type { MessageBody } from '../../core/incident-message.js';

/** One chat robot webhook; vendor answers translated (a refusal is terminal, 5xx or no answer transient). */
export interface ChatRobot {
  readonly name: string;
  send(body: MessageBody): Promise<void>;
}

export interface RobotSettings {
  dingTalkUrl?: string | undefined;
  dingTalkSecret?: string | undefined;
  weComUrl?: string | undefined;
  feishuUrl?: string | undefined;
  feishuSecret?: string | undefined;
  now: () => Date;
  timeoutMs?: number;
}

/** The robots configured (RELAY_* settings); none configured is an empty list. */
export function chatRobots(s: RobotSettings): ChatRobot[] {
  const robots: ChatRobot[] = [];
  const post = (
    name: string,
    url: () => string,
    json: (b: MessageBody) => unknown,
    ok: (r: Record<string, unknown>) => boolean,
  ) => robots.push({ name, send: (body) => postJson(name, url(), json(body), ok, s.timeoutMs ?? 10_000) });
  const { dingTalkUrl, weComUrl, feishuUrl } = s;
  if (dingTalkUrl !== undefined) {
    const secret = s.dingTalkSecret;
    post(
      'dingtalk',
      () => (secret === undefined ? dingTalkUrl : dingTalkSignedUrl(dingTalkUrl, secret, s.now())),
      dingTalkMessage,
      (r) => r.errcode === 0,
    );
  }
  if (weComUrl !== undefined)
    post(
      'wecom',
      () => weComUrl,
      weComMessage,
      (r) => r.errcode === 0,
    );
  if (feishuUrl !== undefined) {
    post(
      'feishu',
      () => feishuUrl,
      (b) => feishuMessage(b, s.feishuSecret, s.now()),
      (r) => r.code === 0 || r.StatusCode === 0,
    );
  }
  return robots;
}

async function postJson(
  name: string,
  url: string,
  json: unknown,
  ok: (r: Record<string, unknown>) => boolean,
  timeoutMs: number,
): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(json),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (cause) {
    throw new TransientError('CHAT_UNAVAILABLE', `${name}: ${(cause as Error).message}`, { cause });
  }
  const text = await res.text();
  if (res.status >= 500 || res.status === 429) {
    throw new TransientError('CHAT_UNAVAILABLE', `${name}: HTTP ${res.status} ${text.slice(0, 200)}`);
  }
  let answer: Record<string, unknown> = {};
  try {
    answer = JSON.parse(text) as Record<string, unknown>;
  } catch {
    answer = {};
  }
  if (res.status >= 400 || !ok(answer)) {
    throw new TerminalError(
      'CHAT_REJECTED',
      `${name} refused the message: HTTP ${res.status} ${text.slice(0, 300)}`,
    );
  }
}
