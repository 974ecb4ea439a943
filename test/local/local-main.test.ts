import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OSS from 'ali-oss';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropDatabase } from '../../adapters/warehouse/database.js';
import { LOCAL_DEFAULTS } from '../../local/stack.js';
import { serverUrl } from '../support/mysql.js';

const ROOT = resolve(import.meta.dirname, '../..');

interface Running {
  child: ChildProcess;
  banner: string;
  ossUrl: string;
}

/** `npm run local` as a user runs it (ephemeral ports), up to its banner. */
function startLocal(state: string, mysqlUrl: string, reset: boolean): Promise<Running> {
  const args = ['--import', 'tsx', 'local/main.ts', '--state', state, '--oss-port', '0', '--mns-port', '0'];
  const child = spawn(process.execPath, reset ? [...args, '--reset'] : args, {
    cwd: ROOT,
    env: { ...process.env, MYSQL_URL: mysqlUrl, LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolveStart, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const oss = /OSS {2}(http:\/\/[\d.]+:\d+)/.exec(out);
      if (out.includes('Ctrl-C stops everything.') && oss)
        resolveStart({ child, banner: out, ossUrl: oss[1]! });
    });
    child.once('exit', (code) => reject(new Error(`npm run local exited with ${code}: ${err}`)));
  });
}

function stop(running: Running): Promise<void> {
  return new Promise((done) => {
    running.child.removeAllListeners('exit');
    running.child.once('exit', () => done());
    running.child.kill('SIGTERM');
  });
}

function client(ossUrl: string): OSS {
  return new OSS({
    ...LOCAL_DEFAULTS.credentials,
    bucket: LOCAL_DEFAULTS.bucket,
    region: `oss-${LOCAL_DEFAULTS.region}`,
    endpoint: ossUrl,
    secure: false,
  });
}

describe('npm run local', () => {
  let state: string;
  let mysqlUrl: string;

  beforeAll(async () => {
    state = await mkdtemp(join(tmpdir(), 'local-main-'));
    const url = new URL(serverUrl());
    url.pathname = `/t_local_main_${randomBytes(4).toString('hex')}`;
    mysqlUrl = url.toString();
  });
  afterAll(async () => {
    await dropDatabase(mysqlUrl);
    await rm(state, { recursive: true, force: true });
  });

  it('bundles the functions itself before it starts: no `npm run build` needed first', async () => {
    // The bundles are replaced atomically (build-functions.ts), so tests running meanwhile are unaffected.
    const run = await new Promise<{ code: number | null; out: string }>((resolveRun, reject) => {
      const npm = spawn('npm', ['run', '--silent', 'local', '--', '--help'], {
        cwd: ROOT,
        env: process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      npm.stdout?.on('data', (c: Buffer) => {
        out += c.toString();
      });
      npm.on('error', reject);
      npm.on('close', (code) => resolveRun({ code, out }));
    });
    expect(run.code).toBe(0);
    const built = run.out.indexOf('built ingest: ');
    expect(built).toBeGreaterThanOrEqual(0);
    expect(run.out.indexOf('Usage: npm run local')).toBeGreaterThan(built);
  });

  it('prints endpoints and credentials, keeps state across restarts, and --reset clears OSS and MySQL', async () => {
    let running = await startLocal(state, mysqlUrl, true);
    expect(running.banner).toContain(`bucket ${LOCAL_DEFAULTS.bucket}`);
    expect(running.banner).toContain(LOCAL_DEFAULTS.credentials.accessKeyId);
    expect(running.banner).toContain(LOCAL_DEFAULTS.credentials.accessKeySecret);
    expect(running.banner).toMatch(/MNS {2}http:\/\/[\d.]+:\d+/);
    expect(running.banner).toContain('FC   qlib-ingest');
    expect(running.banner).toMatch(/API {2}http:\/\/[\d.]+:\d+\/ {2}\(status page/);
    expect(running.banner).toContain('npm run token -- create --name me --scope read:status');
    await client(running.ossUrl).put('incoming/probe.txt', Buffer.from('kept'));
    const db = await mysql.createConnection({ uri: mysqlUrl });
    try {
      await db.query('CREATE TABLE reset_probe (id INT PRIMARY KEY)');
      await stop(running);

      running = await startLocal(state, mysqlUrl, false);
      const kept = await client(running.ossUrl).get('incoming/probe.txt');
      expect(String(kept.content)).toBe('kept');
      await stop(running);

      running = await startLocal(state, mysqlUrl, true);
      await expect(client(running.ossUrl).head('incoming/probe.txt')).rejects.toMatchObject({
        code: 'NoSuchKey',
      });
      const [tables] = await db.query<mysql.RowDataPacket[]>(
        'SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()',
      );
      const names = tables.map((r) => String(r.t));
      expect(names).not.toContain('reset_probe');
      expect(names).toContain('batches');
    } finally {
      await db.end();
      await stop(running);
    }
  });
});
