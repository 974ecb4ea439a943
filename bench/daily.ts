/**
 * The daily path (docs/ingest.md, "The daily path"): one trading day of 5000 instruments × 158 float32 factors,
 * from the moment the agent uploads its manifest (the payload is already in OSS, as the agent uploads it first)
 * to the moment the batch's status object says `loaded` — what a user waits for. On the local stack: the OSS
 * trigger, the bundled function in its FC instance process, MariaDB. The dataset already holds earlier days (a
 * first day is loaded untimed), so each timed batch is a new day appended, as every evening.
 *   cold: the function's instance was killed before the upload (a new instance: process start, module load, the
 *         pool and the LOAD DATA probe, then the batch)
 *   warm: the instance that served the previous day serves this one
 * Medians of QLIB_BENCH_RUNS (default 5) of each, cold and warm alternating, with the breakdown read from the
 * function's own log lines (LOG_LEVEL=debug; their timestamps, ms):
 *   trigger      manifest uploaded → FC starts the invocation (the local OSS → FC hop; in the cloud, FC's)
 *   cold start   invocation start → the handler has its deps (instance process, import, pool, probe)
 *   claim        read the manifest, claim the batch in the ledger
 *   payload HEAD HEAD the payload (size, CRC-64), look for loaded twin content
 *   DDL checks   the dataset's tables and registry under the DDL lock (schema.ts)
 *   registry     the rules' facts: dataset rules, the calendar, the day before (inspection.ts)
 *   load         the table's load lock, the transaction, streaming the payload through the checks into MySQL
 *   commit       rows taken = sent, ledger `loaded`, profiles, alerts outbox, COMMIT
 *   to loaded/   copy the objects to loaded/, delete them from incoming/, write the status object
 *   seen         the status object written → the poller here reads it (≤ 1 poll interval)
 * Prints figures, asserts nothing. Run: npm run bench -- daily   (MYSQL_URL as for the tests)
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type OSS from 'ali-oss';
import { createOssClient } from '../adapters/object-store/client.js';
import { PAYLOAD_GZIP_LEVEL } from '../agent/build/payload-writer.js';
import { formatStatusKey } from '../core/keys.js';
import { type LocalStack, startLocalStack } from '../local/stack.js';
import { buildFunctions } from '../scripts/build-functions.js';
import { createTestDatabase } from '../test/support/mysql.js';
import { FUNCTION, stagePayload, warmUp } from './ingest/e2e.js';
import { businessDays, type PayloadFile, payloadFile } from './ingest/payload-file.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const CACHE = join(ROOT, '.bench-data', 'ingest');
const RUNS = Number(process.env.QLIB_BENCH_RUNS ?? 5);
const INSTRUMENTS = 5000;
const POLL_MS = 10;
const DATASET = 'bench_daily';

/** The steps in the order they happen: each is the time from the previous mark to its own. */
const STEPS = [
  ['trigger', 'invoked'],
  ['cold start', 'deps ready'],
  ['claim', 'claimed'],
  ['payload HEAD', 'payload verified in OSS'],
  ['DDL checks', 'schema ready'],
  ['registry', 'loading'],
  ['load', 'payload read'],
  ['commit', 'batch loaded'],
  ['to loaded/', 'status written'],
  ['seen', 'seen'],
] as const;
type Step = (typeof STEPS)[number][0];

interface DailyRun {
  totalMs: number;
  steps: Record<Step, number>;
}

/** Entry point for bench/main.ts. */
export async function run(): Promise<void> {
  await buildFunctions();
  const days = businessDays('2024-01-02', 1 + 2 * RUNS);
  const payloads: PayloadFile[] = [];
  for (const day of days)
    payloads.push(await payloadFile(CACHE, INSTRUMENTS, 1, false, PAYLOAD_GZIP_LEVEL, day));
  const db = await createTestDatabase('bench_daily');
  const dir = await mkdtemp(join(tmpdir(), 'bench-daily-'));
  const lines: string[] = [];
  const stack = await startLocalStack({
    stateDir: dir,
    mysqlUrl: db.url,
    env: { LOAD_MODE: 'load-data', LOG_LEVEL: 'debug' },
    retryDelaysMs: [1000],
    log: (line, fn) => {
      if (fn === FUNCTION) lines.push(line);
    },
  });
  const client = createOssClient({
    bucket: stack.bucket,
    region: stack.region,
    endpoint: stack.oss.url,
    credentials: stack.credentials,
    timeoutMs: 10 * 60_000,
  });
  try {
    console.log(
      `daily path: 1 day × ${INSTRUMENTS} instruments × 158 float32 factors, payload ${(payloads[0]!.digest.bytes / 1048576).toFixed(1)} MiB gz`,
    );
    await warmUp(stack);
    const first = await oneDay(stack, client, payloads[0]!, lines);
    if (first === undefined) throw new Error('the first day did not load');
    const cold: DailyRun[] = [];
    const warm: DailyRun[] = [];
    for (let i = 0; i < RUNS; i++) {
      await killInstances(stack);
      cold.push(await mustLoad(stack, client, payloads[1 + 2 * i]!, lines));
      warm.push(await mustLoad(stack, client, payloads[2 + 2 * i]!, lines));
    }
    report('cold instance', cold);
    report('warm instance', warm);
  } finally {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
    await db.drop();
  }
}

async function mustLoad(stack: LocalStack, client: OSS, payload: PayloadFile, lines: string[]) {
  const r = await oneDay(stack, client, payload, lines);
  if (r === undefined) throw new Error(`the day ${payload.dates[0]} did not load`);
  return r;
}

/** Upload the payload (untimed), then the manifest; poll the status object until it says `loaded`. */
async function oneDay(
  stack: LocalStack,
  client: OSS,
  payload: PayloadFile,
  lines: string[],
): Promise<DailyRun | undefined> {
  const { ref, manifestKey, manifest } = await stagePayload(client, payload, DATASET);
  const seen = new Set(stack.fc.invocations().map((r) => r.requestId));
  lines.length = 0;
  const started = Date.now();
  await client.put(manifestKey, manifest);
  const status = formatStatusKey(ref);
  let done: number | undefined;
  for (;;) {
    const body = await getText(client, status);
    if (body !== undefined) {
      done = Date.now();
      if (JSON.parse(body).status !== 'loaded') return undefined;
      break;
    }
    await sleep(POLL_MS);
  }
  const [record] = await stack.fc.waitForInvocations(
    (r) => r.fn === FUNCTION && !seen.has(r.requestId),
    1,
    60_000,
  );
  const marks = new Map<string, number>([['invoked', Date.parse(record?.startedAt ?? '')]]);
  for (const line of lines) {
    const entry = JSON.parse(line) as { time: string; msg: string; batchId?: string };
    if (!marks.has(entry.msg)) marks.set(entry.msg, Date.parse(entry.time));
  }
  marks.set('seen', done);
  const steps = {} as Record<Step, number>;
  let previous = started;
  for (const [step, mark] of STEPS) {
    const at = marks.get(mark);
    steps[step] = at === undefined || Number.isNaN(at) ? Number.NaN : at - previous;
    if (at !== undefined && !Number.isNaN(at)) previous = at;
  }
  return { totalMs: done - started, steps };
}

async function getText(client: OSS, key: string): Promise<string | undefined> {
  try {
    return (await client.get(key)).content.toString('utf8');
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
}

/** A cold start: the instances of the ingest function are killed (the pool starts a new one on demand). */
async function killInstances(stack: LocalStack): Promise<void> {
  const pids = stack.fc.instancePids(FUNCTION);
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 200 && stack.fc.instancePids(FUNCTION).some((p) => pids.includes(p)); i++) {
    await sleep(20);
  }
}

function report(what: string, runs: DailyRun[]): void {
  const ms = (v: number) => `${Math.round(v)} ms`;
  const parts = STEPS.map(([step]) => `${step} ${ms(median(runs.map((r) => r.steps[step])))}`);
  console.log(
    [
      `  ${what}: manifest uploaded → status loaded ${ms(median(runs.map((r) => r.totalMs)))} p50 (runs: ${runs.map((r) => Math.round(r.totalMs)).join(', ')} ms)`,
      `    breakdown (medians): ${parts.join(', ')}`,
    ].join('\n'),
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
