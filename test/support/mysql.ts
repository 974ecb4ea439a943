import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { dropDatabase, ensureDatabase } from '../../adapters/warehouse/database.js';
import { createPool, type Pool } from '../../adapters/warehouse/pool.js';
import { prepareDatabase } from '../../adapters/warehouse/prepare.js';
import { createLogger } from '../../core/logger.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

export interface TestDatabase {
  url: string;
  database: string;
  pool: Pool;
  drop(): Promise<void>;
}

/** The server every test talks to: MYSQL_URL, default root on 127.0.0.1 (CI starts MariaDB there). */
export function serverUrl(): string {
  return process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
}

export const quietLogger = createLogger({ write: () => {}, now: () => new Date() });

/** A fresh database for one test file, migrated unless told otherwise; `drop()` removes it. */
export async function createTestDatabase(
  label: string,
  options: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  const database = `t_${label.replace(/[^a-z0-9_]/gi, '_')}_${randomBytes(4).toString('hex')}`.slice(0, 64);
  const base = new URL(serverUrl());
  base.pathname = `/${database}`;
  const { url, pool } =
    options.migrate === false
      ? { url: await ensureDatabase(base.toString()), pool: undefined }
      : await prepareDatabase(base.toString(), MIGRATIONS_DIR, quietLogger, 4);
  const connections = pool ?? createPool({ url, connectionLimit: 4 });
  return {
    url,
    database,
    pool: connections,
    drop: async () => {
      await connections.end();
      await dropDatabase(url);
    },
  };
}

/** Run a SQL script (deploy/sql/*.sql with its placeholders filled in) on the server, statement by statement. */
export async function runSqlScript(text: string): Promise<void> {
  const conn = await mysql.createConnection(serverUrl());
  try {
    for (const statement of text
      .replace(/--.*$/gm, '')
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean))
      await conn.query(statement);
  } finally {
    await conn.end();
  }
}
