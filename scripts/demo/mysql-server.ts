import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import mysql from 'mysql2/promise';

/** A MySQL server for the demo: the one at MYSQL_URL, or a private MariaDB / MySQL in a temp dir. */
export interface DemoMysql {
  /** mysql://… of the server, without a database */
  url: string;
  /** how we got it, for the banner */
  origin: string;
  stop(): Promise<void>;
}

const DEFAULT_URL = 'mysql://root@127.0.0.1:3306';
const DAEMONS = ['mariadbd', '/usr/sbin/mariadbd', 'mysqld', '/usr/sbin/mysqld'];

export const HOW_TO_GET_MYSQL = `No MySQL answers at $MYSQL_URL (default ${DEFAULT_URL}) and no private server could be started. Either:
  • point MYSQL_URL at a MySQL 8 / MariaDB 10.6+ server whose user may CREATE DATABASE, e.g.
      MYSQL_URL=mysql://root:secret@127.0.0.1:3306 npm run demo
  • or install MariaDB (Debian/Ubuntu: sudo apt-get install -y mariadb-server) and run the demo again:
      it starts a private server in a temp dir as the current user, and stops it at the end
  • or start one in Docker:  docker run -d -p 3306:3306 -e MARIADB_ALLOW_EMPTY_ROOT_PASSWORD=1 mariadb:11`;

/** A server binary we know how to give a fresh data directory. */
interface Daemon {
  path: string;
  flavor: 'mariadb' | 'mysql';
  /** argv that initialises an empty data dir with a passwordless root */
  initialise(dataDir: string, user: string): string[];
}

/** MYSQL_URL if it answers; else a private server if one can be initialised and started; else undefined. */
export async function demoMysql(log: (line: string) => void): Promise<DemoMysql | undefined> {
  const url = process.env.MYSQL_URL ?? DEFAULT_URL;
  if (await answers(url)) return { url, origin: `MySQL at ${redact(url)}`, stop: async () => {} };
  const daemon = findDaemon();
  if (daemon === undefined) return undefined;
  log(`no MySQL at ${redact(url)}; starting a private ${daemon.flavor} (${daemon.path}) in a temp dir…`);
  try {
    return await privateServer(daemon);
  } catch (error) {
    log(`the private server did not start: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

/**
 * The first installed daemon we can initialise: MariaDB's with mariadb-install-db (or its old name
 * mysql_install_db), MySQL's with its own `--initialize-insecure`.
 */
function findDaemon(): Daemon | undefined {
  for (const path of DAEMONS) {
    const version = spawnSync(path, ['--version'], { encoding: 'utf8' });
    if (version.status !== 0) continue;
    if (!/mariadb/i.test(version.stdout)) {
      const initialise = (dir: string, user: string) => [
        path,
        '--no-defaults',
        '--initialize-insecure',
        `--datadir=${dir}`,
        `--user=${user}`,
      ];
      return { path, flavor: 'mysql', initialise };
    }
    const installer = ['mariadb-install-db', 'mysql_install_db'].find(onPath);
    if (installer === undefined) continue;
    const initialise = (dir: string, user: string) => [
      installer,
      '--no-defaults',
      `--datadir=${dir}`,
      `--user=${user}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ];
    return { path, flavor: 'mariadb', initialise };
  }
  return undefined;
}

/**
 * A private server in a temp dir with extra server options (e.g. `--log-bin`, `--binlog-format=ROW`), for a
 * test that needs a server configured like RDS; undefined when no daemon is installed.
 */
export async function startPrivateMysql(serverArgs: readonly string[] = []): Promise<DemoMysql | undefined> {
  const daemon = findDaemon();
  return daemon === undefined ? undefined : privateServer(daemon, serverArgs);
}

async function privateServer(daemon: Daemon, serverArgs: readonly string[] = []): Promise<DemoMysql> {
  const dir = await mkdtemp(join(tmpdir(), 'qlib-demo-mysql-'));
  const user = userInfo().username;
  const [command, ...args] = daemon.initialise(join(dir, 'data'), user) as [string, ...string[]];
  const init = spawnSync(command, args, { encoding: 'utf8' });
  if (init.status !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`${command} failed: ${(init.stderr || init.error?.message || '').trim().slice(-400)}`);
  }
  const port = await freePort();
  const server: ChildProcess = spawn(
    daemon.path,
    [
      '--no-defaults',
      `--datadir=${join(dir, 'data')}`,
      `--socket=${join(dir, 'mysqld.sock')}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--user=${user}`,
      '--local-infile=1',
      `--pid-file=${join(dir, 'mysqld.pid')}`,
      ...(daemon.flavor === 'mysql' ? ['--mysqlx=OFF'] : []),
      ...serverArgs,
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise((resolve) => server.once('exit', resolve));
  const url = `mysql://root@127.0.0.1:${port}`;
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100 && server.exitCode === null && !(await answers(url)); i++) {
    await new Promise((r) => setTimeout(r, 200));
  }
  if (!(await answers(url))) {
    await stop();
    throw new Error(`${daemon.path} did not answer on port ${port}`);
  }
  return { url, origin: `private ${daemon.flavor} on port ${port} (stopped at the end)`, stop };
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

/** An executable of that name on PATH (looked up, never run: an installer run bare touches the system datadir). */
function onPath(name: string): boolean {
  const dirs = isAbsolute(name) ? [''] : (process.env.PATH ?? '').split(delimiter);
  return dirs.some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
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
