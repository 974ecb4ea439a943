import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createOssClient } from '../../adapters/object-store/client.js';
import { OssObjectStore } from '../../adapters/object-store/store.js';
import type { CliIO } from '../../agent/cli-io.js';
import { runCli } from '../../agent/program.js';
import { type CsvLayout, CsvRowParser, type ParsedRow } from '../../core/csv/index.js';
import { type ManifestV1, parseManifest } from '../../core/manifest.js';
import type { OssFault, OssInterceptedRequest } from '../../local/oss/server.js';
import { AK, BUCKET, type OssHarness, REGION, startHarness } from '../local/oss-harness.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** Requests the local OSS saw, and a hook to inject faults. */
export interface Traffic {
  requests: OssInterceptedRequest[];
  fault?: (req: OssInterceptedRequest) => OssFault;
}

export interface AgentHarness {
  oss: OssHarness;
  dir: string;
  traffic: Traffic;
  /** Env for the agent: config file, journal, credentials. */
  env: Record<string, string>;
  configPath: string;
  store: OssObjectStore;
  /** Run a command in-process: exit code, stdout, stderr; `io` replaces parts of the outside world (clock, TTY, stop). */
  run(args: string[], env?: Record<string, string>, io?: Partial<CliIO>): Promise<CliRun>;
  /** Run the real CLI entry in a child process. */
  spawn(args: string[], env?: Record<string, string>): ChildProcess;
  /** Child process to completion. */
  exec(args: string[], env?: Record<string, string>): Promise<CliRun>;
  /** PUTs that created objects (not parts) under a prefix. */
  puts(prefix?: string): OssInterceptedRequest[];
  close(): Promise<void>;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function startAgentHarness(settings: Record<string, unknown> = {}): Promise<AgentHarness> {
  const traffic: Traffic = { requests: [] };
  const oss = await startHarness({
    intercept: (req) => {
      traffic.requests.push(req);
      return traffic.fault?.(req);
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'agent-test-'));
  const configPath = join(dir, 'config.json');
  const config = {
    bucket: BUCKET,
    region: REGION,
    endpoint: oss.server.url,
    journalDir: join(dir, 'journal'),
    retryBaseMs: 5,
    retries: 3,
    timeoutMs: 10_000,
    ...settings,
  };
  writeFileSync(configPath, JSON.stringify(config));
  const env = {
    ALIBABA_CLOUD_ACCESS_KEY_ID: AK.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: AK.accessKeySecret,
  };
  const store = new OssObjectStore(
    createOssClient({ bucket: BUCKET, region: REGION, endpoint: oss.server.url, credentials: AK }),
  );
  const harness: AgentHarness = {
    oss,
    dir,
    traffic,
    env,
    configPath,
    store,
    run: (args, extra = {}, io = {}) =>
      runCliCaptured(['--config', configPath, ...args], { env: { ...env, ...extra }, home: dir, ...io }),
    spawn: (args, extra = {}) =>
      spawn(
        process.execPath,
        ['--import', 'tsx', join(ROOT, 'agent', 'cli.ts'), '--config', configPath, ...args],
        {
          cwd: ROOT,
          env: { PATH: process.env.PATH ?? '', HOME: dir, ...env, ...extra },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      ),
    exec: (args, extra = {}) => collect(harness.spawn(args, extra)),
    puts: (prefix = '') =>
      traffic.requests.filter(
        (r) => r.method === 'PUT' && r.query.partNumber === undefined && r.key.startsWith(prefix),
      ),
    close: async () => {
      await oss.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** Wait for a child to exit, collecting its output. */
export function collect(child: ChildProcess): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolveRun, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolveRun({ code: code ?? (signal === 'SIGKILL' ? 137 : -1), stdout, stderr }),
    );
  });
}

/** The manifests under incoming/, parsed. */
export async function manifests(store: OssObjectStore, prefix = 'incoming/'): Promise<ManifestV1[]> {
  const out: ManifestV1[] = [];
  for await (const o of store.list(prefix)) {
    if (o.key.endsWith('/manifest.json')) out.push(parseManifest(await store.get(o.key)));
  }
  return out;
}

/** Download a payload and parse it with the canonical parser (the one ingest uses). */
export async function readPayload(
  store: OssObjectStore,
  manifest: ManifestV1,
): Promise<{ header: string; rows: ParsedRow[] }> {
  const bytes = gunzipSync(await store.get(manifest.payload.key));
  const layout: CsvLayout =
    manifest.kind === 'calendar' ? { kind: 'calendar' } : { kind: 'factors', columns: manifest.columns };
  const rows: ParsedRow[] = [];
  const problems: string[] = [];
  const parser = new CsvRowParser({
    layout,
    inf: 'reject',
    onRow: (row) => rows.push({ ...row, values: [...row.values] }),
    onProblem: (p) => problems.push(`${p.code} line ${p.line}: ${p.message}`),
  });
  parser.push(bytes);
  parser.end();
  if (problems.length > 0) throw new Error(`payload problems: ${problems.slice(0, 5).join('; ')}`);
  return { header: bytes.subarray(0, bytes.indexOf(10)).toString(), rows };
}

/** A fresh temp directory for a test's inputs. */
export function tempDir(parent: string, name: string): string {
  const path = join(parent, name);
  mkdirSync(path, { recursive: true });
  return path;
}

/** The CLI in-process, its output captured: the same entry the binary calls, without a child process. */
export async function runCliCaptured(
  args: string[],
  io: Pick<CliIO, 'env' | 'home'> & Partial<CliIO>,
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    isTTY: false,
    ...io,
  });
  return { code, stdout, stderr };
}
