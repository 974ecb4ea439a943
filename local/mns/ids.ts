import { randomBytes } from 'node:crypto';

/** Request ids look like the service's: 24 upper-case hex characters. */
export function newRequestId(): string {
  return randomBytes(12).toString('hex').toUpperCase();
}

/**
 * Message ids shaped like MNS's (`D273CD6A89564E54-1-15180395A19-200000001`): a per-server prefix,
 * the time in hex and a sequence number, so ids sort by publish order within one server run.
 */
export class MessageIdSource {
  private readonly prefix = randomBytes(8).toString('hex').toUpperCase();
  private sequence = 0;

  next(now: number): string {
    this.sequence += 1;
    return `${this.prefix}-1-${now.toString(16).toUpperCase()}-${String(200000000 + this.sequence)}`;
  }
}

/**
 * A receipt handle: `1-` + base64url of random bytes. base64url because the SDK puts the handle in the
 * query string unencoded, where `+` would turn into a space.
 */
export function newReceiptHandle(): string {
  return `1-${randomBytes(18).toString('base64url')}`;
}

export function isReceiptHandle(text: string): boolean {
  return /^1-[A-Za-z0-9_-]{24}$/.test(text);
}
