import { randomBytes } from 'node:crypto';
import { formatToken, secretDigest } from '../../core/api/token.js';
import { TerminalError } from '../../core/errors.js';
import { executePrepared, selectPrepared } from './prepared.js';
import type { Queryable } from './sql.js';

/** One api_tokens row (migrations/0009_api.sql), without the digest unless asked for. */
export interface TokenRecord {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  /** By the database clock, when read. */
  expired: boolean;
}

export interface StoredToken extends TokenRecord {
  secretSha256: string;
  /** last_used_at is over a minute old: worth a write. */
  stale: boolean;
}

const COLUMNS = `token_id, name, scopes, created_at, expires_at, revoked_at, last_used_at,
  (expires_at IS NOT NULL AND expires_at <= UTC_TIMESTAMP(3)) AS expired`;

/**
 * Bearer tokens of the HTTP API (docs/api.md, "Tokens"): created by `npm run token`, checked on every request
 * by functions/api, revoked for good. The secret is returned once by create() and never stored.
 */
export class TokenStore {
  constructor(private readonly db: Queryable) {}

  /** A new token; `expiresAt` is UTC DATETIME text or null. A name is unique among tokens not revoked. */
  async create(
    name: string,
    scopes: readonly string[],
    expiresAt: string | null,
  ): Promise<{ token: string; record: TokenRecord }> {
    const active = await selectPrepared(
      this.db,
      'SELECT token_id FROM api_tokens WHERE name = ? AND revoked_at IS NULL',
      [name],
    );
    if (active.length > 0) {
      throw new TerminalError(
        'TOKEN_NAME_TAKEN',
        `a token named ${name} exists and is not revoked: revoke it first, or choose another name`,
      );
    }
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(32);
    const token = formatToken(id, secret);
    await executePrepared(
      this.db,
      `INSERT INTO api_tokens (token_id, name, secret_sha256, scopes, created_at, expires_at)
       VALUES (?, ?, ?, ?, UTC_TIMESTAMP(3), ?)`,
      [id, name, secretDigest(secret.toString('base64url')), scopes.join(' '), expiresAt],
    );
    const record = await this.find(id);
    if (record === undefined) throw new Error(`token ${id} is not in api_tokens after its insert`);
    return { token, record: publicView(record) };
  }

  /** The row of a token id, with its digest (for the check), or undefined. */
  async find(id: string): Promise<StoredToken | undefined> {
    const [row] = await selectPrepared(
      this.db,
      `SELECT ${COLUMNS}, secret_sha256,
         (last_used_at IS NULL OR last_used_at < UTC_TIMESTAMP(3) - INTERVAL 60 SECOND) AS stale
         FROM api_tokens WHERE token_id = ?`,
      [id],
    );
    if (row === undefined) return undefined;
    return { ...toRecord(row), secretSha256: String(row.secret_sha256), stale: Number(row.stale) === 1 };
  }

  /** Every token, newest first (no digests). */
  async list(): Promise<TokenRecord[]> {
    const rows = await selectPrepared(
      this.db,
      `SELECT ${COLUMNS} FROM api_tokens ORDER BY created_at DESC, token_id`,
    );
    return rows.map(toRecord);
  }

  /** Revoke the active tokens with this name or id; how many were revoked. */
  async revoke(nameOrId: string): Promise<number> {
    return executePrepared(
      this.db,
      `UPDATE api_tokens SET revoked_at = UTC_TIMESTAMP(3)
        WHERE (name = ? OR token_id = ?) AND revoked_at IS NULL`,
      [nameOrId, nameOrId],
    );
  }

  /** Record a use (at most once a minute per token: a read-heavy client costs no write per request). */
  async touch(id: string): Promise<void> {
    await executePrepared(
      this.db,
      'UPDATE api_tokens SET last_used_at = UTC_TIMESTAMP(3) WHERE token_id = ?',
      [id],
    );
  }
}

function toRecord(row: Record<string, unknown>): TokenRecord {
  return {
    id: String(row.token_id),
    name: String(row.name),
    scopes: String(row.scopes)
      .split(' ')
      .filter((s) => s !== ''),
    createdAt: String(row.created_at),
    expiresAt: (row.expires_at as string | null) ?? null,
    revokedAt: (row.revoked_at as string | null) ?? null,
    lastUsedAt: (row.last_used_at as string | null) ?? null,
    expired: Number(row.expired) === 1,
  };
}

function publicView(t: StoredToken): TokenRecord {
  const { secretSha256: _, stale: __, ...record } = t;
  return record;
}
