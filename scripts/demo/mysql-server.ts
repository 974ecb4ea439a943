import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';

/** A MySQL server for the demo: the one at MYSQL_URL, or a private MariaDB in a temp dir. */
export interface DemoMysql {
  /** mysql://… of the server, without a database */
  url: string;
  /** how we got it, for the banner */
  origin: string;
  stop(): Promise<void>;
}

const DEFAULT_URL = 'mysql://root@127.0.0.1:3306';

export const HOW_TO_GET_MYSQL = `No MySQL answers at $MYSQL_URL (default ${DEFAULT_URL}) and no mariadbd is installed. Either:
  • point MYSQL_URL at a MySQL 8 / MariaDB 10.6+ server whose user may CREATE DATABASE, e.g.
      MYSQL_URL=mysql://root:secret@127.0.0.1:3306 npm run demo
  • or install MariaDB (Debian/Ubuntu: sudo apt-get install -y mariadb-server) and run the demo again:
      it starts a private server in a temp dir as the current user, and stops it at the end
  • or start one in Docker:  docker run -d -p 3306:3306 -e MARIADB_ALLOW_EMPTY_ROOT_PASSWORD=1 mariadb:11`;

/** MYSQL_URL if it answers; else a private MariaDB if `mariadbd` is installed; else undefined. */
export async function demoMysql(log: (line: string) => void): Promise<DemoMysql | undefined> {
  const url = process.env.MYSQL_URL ?? DEFAULT_URL;
  if (await answers(url)) return { url, origin: `MySQL at ${redact(url)}`, stop: async () => {} };
  const daemon = ['mariadbd', '/usr/sbin/mariadbd', 'mysqld', '/usr/sbin/mysqld'].find(runs);
  if (daemon === undefined) return undefined;
  log(`no MySQL at ${redact(url)}; starting a private MariaDB (${daemon}) in a temp dir…`);
  return privateMariadb(daemon);
}

async function privateMariadb(daemon: string): Promise<DemoMysql> {
  const dir = await mkdtemp(join(tmpdir(), 'qlib-demo-mariadb-'));
  const user = userInfo().username;
  const install = spawnSync(
    'mariadb-install-db',
    [
      '--no-defaults',
      `--datadir=${join(dir, 'data')}`,
      `--user=${user}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ],
    { encoding: 'utf8' },
  );
  if (install.status !== 0)
    throw new Error(`mariadb-install-db failed: ${install.stderr || install.error?.message}`);
  const port = await freePort();
  const server: ChildProcess = spawn(
    daemon,
    [
      '--no-defaults',
      `--datadir=${join(dir, 'data')}`,
      `--socket=${join(dir, 'mysqld.sock')}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--user=${user}`,
      '--local-infile=1',
      `--pid-file=${join(dir, 'mysqld.pid')}`,
    ],
    { stdio: 'ignore' },
  );
  const url = `mysql://root@127.0.0.1:${port}`;
  const stop = async () => {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    await rm(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100 && !(await answers(url)); i++) await new Promise((r) => setTimeout(r, 200));
  if (!(await answers(url))) {
    await stop();
    throw new Error(`the private MariaDB did not answer on port ${port}`);
  }
  return { url, origin: `private MariaDB on port ${port} (stopped at the end)`, stop };
}

async function answers(url: string): Promise<boolean> {
  try {
    const conn = await mysql.createConnection({ uri: url, connectTimeout: 2000 });
    await conn.end();
    return true;
  } catch {
    return false;
  }
}

function runs(binary: string): boolean {
  return spawnSync(binary, ['--version'], { stdio: 'ignore' }).status === 0;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
