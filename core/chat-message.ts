import { createHmac } from 'node:crypto';
import type { MessageBody } from './incident-message.js';

/**
 * Alerts as chat robot messages for the teams that live in DingTalk, WeCom and Feishu (the alert relay,
 * functions/alert-relay): the summary line first, then what happened, where to look and what to do. Pure: the
 * caller passes the time the signatures are made for.
 */
const ICON: Record<string, string> = { error: '🔴', warn: '🟠', info: '🔵' };

function icon(body: MessageBody): string {
  return body.transition === 'resolved' ? '✅' : (ICON[body.severity] ?? '');
}

function markdownLines(body: MessageBody): string[] {
  const lines = [`### ${icon(body)} ${body.summary}`];
  if (body.what.length > 0) lines.push('', ...body.what.map((w) => `- ${w}`));
  const where = Object.entries(body.where);
  if (where.length > 0) lines.push('', '**Where to look**', ...where.map(([k, v]) => `- ${k}: ${v}`));
  if (body.whatToDo.length > 0) lines.push('', '**What to do**', ...body.whatToDo.map((t) => `- \`${t}\``));
  return lines;
}

/** DingTalk custom robot: a markdown message (msgtype markdown: title, text). */
export function dingTalkMessage(body: MessageBody): Record<string, unknown> {
  return {
    msgtype: 'markdown',
    markdown: { title: body.summary.slice(0, 64), text: markdownLines(body).join('\n') },
  };
}

/**
 * DingTalk's signature ("加签"): timestamp (ms) and base64(HMAC-SHA256(secret, `${timestamp}\n${secret}`)), added to
 * the webhook URL as &timestamp=…&sign=<url-encoded>.
 */
export function dingTalkSignedUrl(webhook: string, secret: string, now: Date): string {
  const timestamp = String(now.getTime());
  const sign = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
  const url = new URL(webhook);
  url.searchParams.set('timestamp', timestamp);
  url.searchParams.set('sign', sign);
  return url.toString();
}

/** WeCom group robot: markdown content (at most 4096 bytes); severity in WeCom's colours. */
export function weComMessage(body: MessageBody): Record<string, unknown> {
  const colour = body.transition === 'resolved' ? 'info' : body.severity === 'error' ? 'warning' : 'comment';
  const lines = markdownLines(body);
  lines[0] = `### <font color="${colour}">${body.summary}</font>`;
  let content = lines.join('\n');
  while (Buffer.byteLength(content) > 4096) content = content.slice(0, content.length - 200);
  return { msgtype: 'markdown', markdown: { content } };
}

/**
 * Feishu custom bot: a text message; with a signature secret, `timestamp` (seconds) and `sign` =
 * base64(HMAC-SHA256 keyed with `${timestamp}\n${secret}` over an empty message) in the body.
 */
export function feishuMessage(
  body: MessageBody,
  secret: string | undefined,
  now: Date,
): Record<string, unknown> {
  const text = [
    `${icon(body)} ${body.summary}`,
    ...body.what,
    ...Object.entries(body.where).map(([k, v]) => `${k}: ${v}`),
    ...body.whatToDo,
  ].join('\n');
  const message: Record<string, unknown> = { msg_type: 'text', content: { text } };
  if (secret === undefined) return message;
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const sign = createHmac('sha256', `${timestamp}\n${secret}`).update('').digest('base64');
  return { timestamp, sign, ...message };
}
