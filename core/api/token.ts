import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * API bearer tokens (docs/api.md, "Tokens"): `qct_<id>_<secret>`. The id (12 hex) is public and names the row in
 * api_tokens; the secret (32 random bytes, base64url) is shown once and stored only as its SHA-256. A 256-bit
 * random secret needs no salt or slow hash: its digest reveals nothing that could be guessed.
 */
export const SCOPES = ['read:data', 'read:status', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

const TOKEN = /^qct_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/** The public id and the secret of a token, or undefined when the text is not a token. */
export function parseToken(text: string): { id: string; secret: string } | undefined {
  const m = TOKEN.exec(text);
  return m === null ? undefined : { id: m[1] as string, secret: m[2] as string };
}

/** The token text for an id (12 hex) and 32 secret bytes. */
export function formatToken(id: string, secret: Uint8Array): string {
  return `qct_${id}_${Buffer.from(secret).toString('base64url')}`;
}

/** What api_tokens stores of a secret. */
export function secretDigest(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compare a presented secret with a stored digest in constant time. */
export function secretMatches(secret: string, storedDigest: string): boolean {
  const a = Buffer.from(secretDigest(secret), 'hex');
  const b = Buffer.from(storedDigest, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `admin` may do everything; the read scopes only what they name. */
export function grants(scopes: readonly string[], needed: Scope): boolean {
  return scopes.includes('admin') || scopes.includes(needed);
}

/** True when the token holds at least one of `anyOf`. */
export function grantsAny(scopes: readonly string[], anyOf: readonly Scope[]): boolean {
  return anyOf.some((s) => grants(scopes, s));
}

export function isScope(text: string): text is Scope {
  return (SCOPES as readonly string[]).includes(text);
}
