import type { Readable } from 'node:stream';
import mysql, { type Pool, type PoolOptions } from 'mysql2/promise';

export type { Pool };

export interface PoolSettings {
  url: string;
  /** FC 3.0 built-in runtimes serve one request per instance: one connection for the load, one for the lease. */
  connectionLimit?: number;
}

/**
 * A pool sized for Function Compute: small, UTC, dates as strings (a DATE is a calendar day, not an instant),
 * no multiple statements (one statement per call: an injected `;` cannot start a second one).
 */
export function createPool(settings: PoolSettings): Pool {
  const options: PoolOptions = {
    uri: settings.url,
    connectionLimit: settings.connectionLimit ?? 2,
    maxIdle: settings.connectionLimit ?? 2,
    idleTimeout: 60_000,
    enableKeepAlive: true,
    timezone: 'Z',
    dateStrings: true,
    multipleStatements: false,
    supportBigNumbers: true,
    bigNumberStrings: false,
    connectTimeout: 10_000,
    // LOAD DATA LOCAL streams are given per query by the loader; a server asking for any other file is refused.
    infileStreamFactory: refuseInfile,
  };
  const pool = mysql.createPool(options);
  pool.on('connection', (conn) => {
    // Timestamps are written in UTC whatever the server's default zone is.
    conn.query("SET time_zone = '+00:00'");
  });
  return pool;
}

/** Quote an identifier that has already been validated (core/identifiers.ts): a second fence, never the first. */
export function quoteId(name: string): string {
  if (!/^[A-Za-z0-9_]{1,64}$/.test(name))
    throw new Error(`refusing to quote unvalidated identifier ${JSON.stringify(name)}`);
  return `\`${name}\``;
}

function refuseInfile(path: string): Readable {
  throw new Error(`the server asked for local file ${JSON.stringify(path)} outside a LOAD DATA we started`);
}
