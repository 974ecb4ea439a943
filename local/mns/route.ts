import { MnsApiError } from './api-error.js';
import type { MessageIdSource } from './ids.js';
import type { PublishedMessage } from './model.js';
import type { Pusher } from './push.js';
import type { QueueBroker } from './queue.js';
import type { HeaderBag } from './signature.js';
import type { MnsStore } from './store.js';
import { checkInt, parseXmlBody, type XmlBody } from './xml.js';

/** One authenticated request, split for the topic and queue handlers. */
export interface RouteRequest {
  method: string;
  /** decoded path segments: `/topics/t/messages` → ['topics', 't', 'messages'] */
  segments: string[];
  /** query parameters with lower-case names (the SDK spells ReceiptHandle both ways) */
  query: Record<string, string>;
  headers: HeaderBag;
  body: string;
}

export interface RouteReply {
  status: number;
  xml?: string;
  headers?: Record<string, string>;
}

/** What the handlers share: the state, the queue and push machinery, and where the server is. */
export interface RouteContext {
  store: MnsStore;
  broker: QueueBroker;
  pusher: Pusher;
  ids: MessageIdSource;
  accountId: string;
  region: string;
  /** the server's base URL, for Location headers and resource URLs */
  url: string;
  now: () => number;
  published: (message: PublishedMessage) => void;
}

/** Topic, queue and subscription names: a letter, then letters, digits and `-`, at most 256 (CreateQueue doc). */
export function checkName(name: string, kind: 'Topic' | 'Queue' | 'Subscription'): string {
  if (!/^[A-Za-z][A-Za-z0-9-]{0,255}$/.test(name)) {
    throw MnsApiError.invalidArgument(
      `The ${kind.toLowerCase()} name you provided is not valid: it must start with a letter and contain only letters, digits and '-', at most 256 characters.`,
    );
  }
  return name;
}

/** An empty body counts as an element with no children (the SDK sends `<Topic xmlns="…"/>` or ''). */
export function bodyFields(body: string, expectedRoot: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  const parsed: XmlBody = parseXmlBody(body);
  if (parsed.root !== expectedRoot) {
    throw MnsApiError.invalidArgument(`The XML you provided did not validate: expected <${expectedRoot}>.`);
  }
  return parsed.fields;
}

/** MNS writes booleans as True/False. */
export function boolField(fields: Record<string, unknown>, name: string, fallback: boolean): boolean {
  const value = fields[name];
  if (value === undefined || value === '') return fallback;
  if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) {
    return value.trim().toLowerCase() === 'true';
  }
  throw MnsApiError.invalidArgument(`The value of ${name} should be True or False.`);
}

export function formatBool(value: boolean): string {
  return value ? 'True' : 'False';
}

export function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

export const NO_CONTENT: RouteReply = { status: 204 };

/** MessageTag and FilterTag are at most 16 characters (Subscribe / PublishMessage docs). */
export const MAX_TAG_LENGTH = 16;

/**
 * Paging of ListTopic / ListQueue / ListSubscriptionByTopic, driven by the x-mns-prefix, x-mns-marker and
 * x-mns-ret-number (1–1000, default 1000) request headers; the marker is the first name of the next page.
 */
export function listPage(names: string[], headers: HeaderBag): { names: string[]; nextMarker?: string } {
  const prefix = headerText(headers, 'x-mns-prefix');
  const marker = headerText(headers, 'x-mns-marker');
  const limitText = headerText(headers, 'x-mns-ret-number');
  const limit = limitText === '' ? 1000 : checkInt('x-mns-ret-number', limitText, { low: 1, high: 1000 });
  const matching = names.filter((n) => n.startsWith(prefix) && n >= marker).sort();
  const next = matching[limit];
  return next === undefined ? { names: matching } : { names: matching.slice(0, limit), nextMarker: next };
}

function headerText(headers: HeaderBag, name: string): string {
  const value = headers[name];
  return value === undefined ? '' : String(value);
}
