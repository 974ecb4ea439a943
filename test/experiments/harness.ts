import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { createOssClient } from '../../adapters/object-store/client.js';
import { OssObjectStore } from '../../adapters/object-store/store.js';
import { parseKey } from '../../core/keys.js';
import { ingestBatch } from '../../functions/ingest/ingest-batch.js';
import type { IngestOutcome } from '../../functions/ingest/outcome.js';
import { type CliRun, collect, runCliCaptured } from '../agent/agent-harness.js';
import { BUCKET, CREDENTIALS, type DirectEnv, type Fault, REGION, startDirect } from '../ingest/harness.js';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * The experiments path end to end on this machine: the agent CLI (in-process, or the real binary in a child
 * process) against the local OSS server through ali-oss, and ingest (functions/ingest, real clients) delivering
 * what the agent uploaded into MariaDB — the same OSS, one database per test file.
 */
export interface ExperimentsEnv {
  env: DirectEnv;
  dir: string;
  store: OssObjectStore;
  faults: { current?: Fault };
  run(args: string[]): Promise<CliRun>;
  spawn(args: string[]): ChildProcess;
  exec(args: string[]): Promise<CliRun>;
  /** Deliver every manifest still in incoming/experiments/ to ingest, oldest batch first, as FC would. */
  deliver(): Promise<IngestOutcome[]>;
  rows(sql: string, params?: unknown[]): Promise<RowDataPacket[]>;
  close(): Promise<void>;
}

export async function startExperimentsEnv(
  label: string,
  settings: Record<string, unknown> = {},
): Promise<ExperimentsEnv> {
  const faults: { current?: Fault } = {};
  const env = await startDirect(label, {}, faults);
  const dir = mkdtempSync(join(tmpdir(), `exp-${label}-`));
  const configPath = join(dir, 'config.json');
  const config = {
    bucket: BUCKET,
    region: REGION,
    endpoint: env.oss.url,
    journalDir: join(dir, 'journal'),
    retryBaseMs: 5,
    retries: 3,
    timeoutMs: 30_000,
    ...settings,
  };
  writeFileSync(configPath, JSON.stringify(config));
  const vars = {
    ALIBABA_CLOUD_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: CREDENTIALS.accessKeySecret,
  };
  const store = new OssObjectStore(
    createOssClient({ bucket: BUCKET, region: REGION, endpoint: env.oss.url, credentials: CREDENTIALS }),
  );
  const child = (args: string[]) =>
    spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'agent', 'cli.ts'), '--config', configPath, ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: dir, ...vars },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
  return {
    env,
    dir,
    store,
    faults,
    run: (args) => runCliCaptured(['--config', configPath, ...args], { env: vars, home: dir }),
    spawn: child,
    exec: (args) => collect(child(args)),
    deliver: async () => {
      const keys: string[] = [];
      for await (const o of store.list('incoming/experiments/'))
        if (o.key.endsWith('/manifest.json')) keys.push(o.key);
      const outcomes: IngestOutcome[] = [];
      for (const key of keys.sort((a, b) => (batchOf(a) < batchOf(b) ? -1 : 1))) {
        const ref = parseKey(key);
        if (ref.type !== 'batch') throw new Error(`not a batch key: ${key}`);
        outcomes.push(
          await ingestBatch(env.deps(), {
            bucket: BUCKET,
            key,
            kind: ref.kind,
            dataset: ref.dataset,
            batchId: ref.batchId,
          }),
        );
      }
      return outcomes;
    },
    rows: (sql, params) => env.query(sql, params),
    close: async () => {
      await env.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function batchOf(key: string): string {
  return key.split('/')[3] ?? '';
}

/** Every row of the experiments tables, for "nothing changed" comparisons. */
export async function experimentTables(e: ExperimentsEnv): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  const tables = {
    experiments: 'store, experiment_id',
    experiment_tags: 'store, experiment_id, tag_key',
    runs: 'run_id',
    run_params: 'run_id, param_key',
    run_tags: 'run_id, tag_key',
    run_metrics: 'run_id, metric_key, seq',
    run_artifacts: 'run_id, path',
    model_configs: 'config_hash',
    run_summaries: 'run_id',
    run_excess_returns: 'run_id, frequency, cost',
  };
  for (const [table, order] of Object.entries(tables)) {
    const rows = await e.rows(`SELECT * FROM ${table} ORDER BY ${order}`);
    out[table] = rows.map((r) => {
      const { loaded_at: _loaded, created_at: _created, ...rest } = r as Record<string, unknown>;
      return table === 'model_configs' || table === 'runs' ? rest : r;
    });
  }
  return out;
}
