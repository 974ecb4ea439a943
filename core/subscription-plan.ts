import * as z from 'zod';
import { TerminalError } from './errors.js';
import { checkWith } from './schema.js';

/**
 * What `npm run alerts -- subscribe` asks for, turned into MNS subscriptions (docs/deploy.md, "Alert
 * subscriptions"): email goes to the mail topic (DirectMail endpoint), HTTP endpoints and queues to the alert
 * topic. Everything is delivered SIMPLIFIED: the subscriber gets the message body (the JSON, or the mail text)
 * unchanged, the tag in x-mns-message-tag. `--tag` subscribes only to messages of one severity.
 */
export interface SubscribeRequest {
  email: string[];
  http: string[];
  queue: string[];
  tag?: string;
  name?: string;
}

export interface PlannedSubscription {
  topic: 'alerts' | 'mail';
  name: string;
  endpoint: string;
  filterTag?: string;
  notifyContentFormat: 'SIMPLIFIED';
  notifyStrategy: 'EXPONENTIAL_DECAY_RETRY';
}

const REQUEST = z
  .object({
    email: z.array(z.email('must be an email address')),
    http: z.array(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })),
    queue: z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,255}$/, 'must be an MNS queue name')),
    tag: z.enum(['error', 'warn', 'info']).optional(),
    name: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,255}$/, 'must start with a letter; letters, digits and - only')
      .optional(),
  })
  .strict()
  .refine(
    (r) => r.email.length + r.http.length + r.queue.length > 0,
    'give at least one --email, --http or --queue',
  );

/** Check a subscribe request (every problem at once) and plan one subscription per endpoint. */
export function planSubscriptions(
  input: unknown,
  where: { region: string; accountId: string },
): PlannedSubscription[] {
  const checked = checkWith(REQUEST, input, 'SUBSCRIBE');
  if (!checked.ok) {
    throw new TerminalError('SUBSCRIBE_INVALID', 'invalid subscription request', {
      problems: checked.problems,
    });
  }
  const r = checked.value;
  const count = r.email.length + r.http.length + r.queue.length;
  if (r.name !== undefined && count > 1) {
    throw new TerminalError('SUBSCRIBE_INVALID', '--name names one subscription: give one endpoint with it');
  }
  const common = { notifyContentFormat: 'SIMPLIFIED', notifyStrategy: 'EXPONENTIAL_DECAY_RETRY' } as const;
  const tag = r.tag === undefined ? {} : { filterTag: r.tag };
  const suffix = r.tag === undefined ? '' : `-${r.tag}`;
  const plans: PlannedSubscription[] = [
    ...r.email.map((a) => ({
      topic: 'mail' as const,
      name: `email-${slug(a)}${suffix}`,
      endpoint: `mail:directmail:${a}`,
    })),
    ...r.http.map((u) => ({
      topic: 'alerts' as const,
      name: `http-${slug(u.replace(/^https?:\/\//, ''))}${suffix}`,
      endpoint: u,
    })),
    ...r.queue.map((q) => ({
      topic: 'alerts' as const,
      name: `queue-${q}${suffix}`.slice(0, 256),
      endpoint: `acs:mns:${where.region}:${where.accountId}:queues/${q}`,
    })),
  ].map((p) => ({ ...p, ...common, ...tag, name: r.name ?? p.name }));
  return plans;
}

/** A subscription name from free text: letters, digits and -, starting with a letter, at most 256. */
function slug(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return s.slice(0, 200) || 'endpoint';
}
