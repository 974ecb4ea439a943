import mysql from 'mysql2/promise';
import { TerminalError } from '../../core/errors.js';
import { translating } from './errors.js';

const DATABASE = /^[A-Za-z0-9_]{1,64}$/;

/** The database named by a mysql:// URL's path, or `fallback` when the URL names none. */
export function withDatabase(url: string, fallback: string): { url: string; database: string } {
  const parsed = new URL(url);
  const name = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || fallback;
  if (!DATABASE.test(name))
    throw new TerminalError('MYSQL_URL_INVALID', `database name ${JSON.stringify(name)} is not [A-Za-z0-9_]`);
  parsed.pathname = `/${name}`;
  return { url: parsed.toString(), database: name };
}

/** Create the database if it does not exist (RDS accounts without CREATE get a clear message). */
export async function ensureDatabase(url: string, fallback = 'qlib'): Promise<string> {
  const target = withDatabase(url, fallback);
  const server = new URL(target.url);
  server.pathname = '/';
  const conn = await translating(`connect to ${server.host}`, () =>
    mysql.createConnection({ uri: server.toString() }),
  );
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      'SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
      [target.database],
    );
    if (rows.length === 0) {
      await conn
        .query(`CREATE DATABASE \`${target.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`)
        .catch((cause: unknown) => {
          throw new TerminalError(
            'MYSQL_NO_DATABASE',
            `database ${target.database} does not exist and could not be created: ${(cause as Error).message}`,
            { cause },
          );
        });
    }
  } finally {
    await conn.end();
  }
  return target.url;
}

/** Drop a database (tests, demo resets). */
export async function dropDatabase(url: string): Promise<void> {
  const target = withDatabase(url, 'qlib');
  const server = new URL(target.url);
  server.pathname = '/';
  const conn = await mysql.createConnection({ uri: server.toString() });
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${target.database}\``);
  } finally {
    await conn.end();
  }
}
