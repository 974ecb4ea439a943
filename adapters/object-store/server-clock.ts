import type OSS from 'ali-oss';
import { TerminalError } from '../../core/errors.js';
import { clockSkewError } from './errors.js';

/** An HTTP Date header as a Date, or undefined when absent or unreadable. */
export function parseHttpDate(value: string | undefined): Date | undefined {
  const date = value === undefined ? undefined : new Date(value);
  return date !== undefined && !Number.isNaN(date.getTime()) ? date : undefined;
}

/**
 * A clock-skew error with the server's time in details.serverTime (ISO), when it can be had. ali-oss (Node)
 * drops the ServerTime of a RequestTimeTooSkewed answer, so ask the endpoint once more, unsigned: every
 * OSS answer — the 403 to an anonymous request too — carries a Date header. Other errors pass through.
 */
export async function withServerTime(client: OSS, error: unknown): Promise<unknown> {
  if (!(error instanceof TerminalError && error.code === 'OSS_CLOCK_SKEW')) return error;
  if (typeof error.details.serverTime === 'string') return error;
  const serverTime = await readServerDate(client);
  if (serverTime === undefined) return error;
  const what = String(error.details.operation ?? 'request');
  return clockSkewError(what, error.cause, error.details, serverTime.toISOString());
}

/** The Date header of an unsigned HEAD to the endpoint; undefined when it cannot be had. */
async function readServerDate(client: OSS): Promise<Date | undefined> {
  const endpoint = (client as unknown as { options?: { endpoint?: { protocol?: string; host?: string } } })
    .options?.endpoint;
  if (endpoint?.protocol === undefined || endpoint.host === undefined) return undefined;
  try {
    const res = await fetch(`${endpoint.protocol}//${endpoint.host}/`, {
      method: 'HEAD',
      signal: AbortSignal.timeout(10_000),
    });
    return parseHttpDate(res.headers.get('date') ?? undefined);
  } catch {
    return undefined; // the skew error stands on its own; the time is a courtesy
  }
}
