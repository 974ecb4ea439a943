import type { MiddlewareHandler } from 'hono';
import { TokenStore } from '../../adapters/warehouse/api-tokens.js';
import { grantsAny, parseToken, type Scope, secretMatches } from '../../core/api/token.js';
import type { ApiDeps, ApiEnv, Caller } from './deps.js';
import { HttpError } from './http-error.js';

const REALM = 'qlib-cloud-sync';

/**
 * Never anonymous (docs/api.md, "Tokens"): every request names a token that exists, matches its digest, is not
 * revoked and not expired (by the database clock) — else 401 — and holds one of the scopes the route needs —
 * else 403. Checked in the function, so the local stack and the cloud behave the same; FC's own HTTP-trigger
 * authentication can stand in front as an extra gate (docs/deploy.md).
 */
export function requireScope(...anyOf: Scope[]): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const caller = await authenticate(c.env, bearerToken(c.req.header('authorization')));
    permit(caller, anyOf);
    c.set('caller', caller);
    await next();
  };
}

/** The caller of a token text (undefined: none given); throws the 401 that explains why not. */
export async function authenticate(deps: ApiDeps, text: string | undefined): Promise<Caller> {
  if (text === undefined || text === '') {
    throw unauthorized('TOKEN_MISSING', 'this API needs a token: send Authorization: Bearer <token>', false);
  }
  const parsed = parseToken(text);
  if (parsed === undefined)
    throw unauthorized('TOKEN_INVALID', 'the token is not one this API issued (qct_…)');
  const tokens = new TokenStore(deps.pool);
  const row = await tokens.find(parsed.id);
  if (row === undefined || !secretMatches(parsed.secret, row.secretSha256)) {
    throw unauthorized('TOKEN_INVALID', 'the token is not valid');
  }
  if (row.revokedAt !== null) throw unauthorized('TOKEN_REVOKED', `the token ${row.name} was revoked`);
  if (row.expired)
    throw unauthorized('TOKEN_EXPIRED', `the token ${row.name} expired at ${row.expiresAt} UTC`);
  if (row.stale) {
    await tokens
      .touch(row.id)
      .catch((error: unknown) => deps.logger.warn('could not record a token use', { error }));
  }
  return { tokenId: row.id, name: row.name, scopes: row.scopes };
}

/** 403 unless the caller holds one of `anyOf` (admin holds them all). */
export function permit(caller: Caller, anyOf: readonly Scope[]): void {
  if (grantsAny(caller.scopes, anyOf)) return;
  const needed = anyOf.join(' or ');
  throw new HttpError(403, 'FORBIDDEN_SCOPE', `the token ${caller.name} lacks the scope ${needed}`, {
    hint: `it has: ${caller.scopes.join(', ') || 'none'}; create a token with --scope ${anyOf[0]}`,
    headers: {
      'www-authenticate': `Bearer realm="${REALM}", error="insufficient_scope", scope="${anyOf.join(' ')}"`,
    },
  });
}

/** The token of `Authorization: Bearer <token>`. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  // Another scheme (Basic …) is not a token of ours: it fails the format check with that message.
  return m === null ? header : m[1];
}

function unauthorized(code: string, message: string, invalid = true): HttpError {
  const challenge = invalid ? `Bearer realm="${REALM}", error="invalid_token"` : `Bearer realm="${REALM}"`;
  return new HttpError(401, code, message, { headers: { 'www-authenticate': challenge } });
}
