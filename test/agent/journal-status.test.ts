import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BatchStatus, formatBatchStatus } from '../../core/batch-status.js';
import { formatStatusKey } from '../../core/keys.js';
import { appendDays, generateQlibDir, type QlibFixture } from '../support/qlib-fixture.js';
import { type AgentHarness, manifests, readPayload, startAgentHarness } from './agent-harness.js';

const FIELDS = ['close', 'volume'];
/** A pid no process has (above Linux's pid_max). */
const DEAD_PID = 99_999_999;

describe('journal, incremental pushes, calendar and cloud status', () => {
  let h: AgentHarness;
  let fixture: QlibFixture;
  const journalDir = () => join(h.dir, 'journal');
  const pushQlib = (...extra: string[]) =>
    h.run([
      'push',
      fixture.root,
      '--dataset',
      'daily',
      '--fields',
      FIELDS.join(','),
      '--market',
      'csi300',
      '--json',
      ...extra,
    ]);

  // Each test its own store, journal and qlib directory: a test that needs earlier pushes makes them itself.
  type Ref = { batchId: string; kind: 'factors' | 'calendar'; dataset: string };
  /** What ingest would publish for `ref` (status/<kind>/<dataset>/<batch-id>.json). */
  const writeStatus = (
    ref: Ref,
    outcome: Omit<BatchStatus, 'formatVersion' | 'at' | 'warnings' | keyof Ref>,
  ) =>
    h.store.put(
      formatStatusKey(ref),
      formatBatchStatus({
        formatVersion: 1,
        at: '2026-01-01T00:00:00.000Z',
        warnings: [],
        ...ref,
        ...outcome,
      }),
    );
  const rejection = (ref: Ref) => ({
    status: 'rejected' as const,
    code: 'NULL_RATIO',
    summary: 'close is 80% NULL',
    reasonKey: `quarantine/factors/daily/${ref.batchId}/reason.json`,
  });

  beforeEach(async () => {
    h = await startAgentHarness();
    fixture = generateQlibDir({
      root: join(h.dir, 'qlib'),
      days: 20,
      instruments: 40,
      fields: FIELDS,
      seed: 5,
    });
  });
  afterEach(async () => {
    await h.close();
  });

  it('pushes a range, then --since-last the rest, then nothing', async () => {
    const first = JSON.parse((await pushQlib('--end', fixture.calendar[9]!)).stdout);
    expect(first).toMatchObject({
      status: 'uploaded',
      dateRange: { start: fixture.calendar[0], end: fixture.calendar[9] },
    });
    const second = JSON.parse((await pushQlib('--since-last')).stdout);
    expect(second).toMatchObject({
      status: 'uploaded',
      dateRange: { start: fixture.calendar[10], end: fixture.calendar[19] },
    });
    const third = await pushQlib('--since-last');
    expect(third.code).toBe(0);
    expect(JSON.parse(third.stdout)).toMatchObject({ status: 'empty' });
    appendDays(fixture, 2, 9);
    const fourth = JSON.parse((await pushQlib('--since-last')).stdout);
    expect(fourth.dateRange).toEqual({ start: fixture.calendar[20], end: fixture.calendar[21] });
  });

  it('pushes the trading calendar as a calendar batch', async () => {
    const run = await h.run(['push', fixture.root, '--from', 'calendar', '--dataset', 'cn', '--json']);
    expect(run.code).toBe(0);
    const [manifest] = await manifests(h.store, 'incoming/calendar/cn/');
    expect(manifest).toMatchObject({ kind: 'calendar', columns: [], rowCount: fixture.calendar.length });
    const { header, rows } = await readPayload(h.store, manifest!);
    expect(header).toBe('datetime');
    expect(rows.map((r) => r.date)).toEqual(fixture.calendar);
  });

  it('reads loaded and rejected back from the status objects ingest writes', async () => {
    expect((await pushQlib('--end', fixture.calendar[9]!)).code).toBe(0);
    expect((await pushQlib('--since-last')).code).toBe(0);
    expect(
      (await h.run(['push', fixture.root, '--from', 'calendar', '--dataset', 'cn', '--json'])).code,
    ).toBe(0);
    const status = async () => JSON.parse((await h.run(['status', '--json'])).stdout);
    const before = await status();
    expect(before.batches.map((b: { state: string }) => b.state)).toEqual([
      'uploaded',
      'uploaded',
      'uploaded',
    ]);
    const [calendar, second, first] = before.batches as {
      batchId: string;
      kind: 'factors' | 'calendar';
      dataset: string;
    }[];
    expect(calendar?.kind).toBe('calendar');
    await writeStatus(first!, { status: 'loaded', rowsLoaded: 100, summary: 'loaded 100 rows' });
    await writeStatus(second!, rejection(second!));
    const after = await status();
    const states = Object.fromEntries(
      after.batches.map((b: { batchId: string; state: string }) => [b.batchId, b.state]),
    );
    expect(states).toEqual({
      [calendar!.batchId]: 'uploaded',
      [second!.batchId]: 'rejected',
      [first!.batchId]: 'loaded',
    });
    const human = await h.run(['status']);
    expect(human.stdout).toMatch(new RegExp(`${second!.batchId}.*rejected.*close is 80% NULL`));
  });

  it('sends a rejected batch again when pushed again, as a new batch', async () => {
    const range = ['--start', fixture.calendar[10]!, '--end', fixture.calendar[19]!];
    const sent = JSON.parse((await pushQlib(...range)).stdout);
    expect(sent.status).toBe('uploaded');
    const ref = { batchId: sent.batchId, kind: 'factors' as const, dataset: 'daily' };
    await writeStatus(ref, rejection(ref));
    expect(JSON.parse((await h.run(['status', '--json'])).stdout).batches[0]).toMatchObject({
      batchId: sent.batchId,
      state: 'rejected',
    });
    h.traffic.requests.length = 0;
    const run = JSON.parse((await pushQlib(...range)).stdout);
    expect(run.status).toBe('uploaded');
    expect(h.puts().map((r) => r.key.split('/').at(-1))).toEqual(['data.csv.gz', 'manifest.json']);
  });

  it('ignores and cleans a temp file a torn write left, and reports a corrupt entry without dropping it', async () => {
    expect((await pushQlib('--end', fixture.calendar[9]!)).code).toBe(0);
    const batches = join(journalDir(), 'batches');
    const torn = join(batches, `.20260101T000000000Z-abc.json.${DEAD_PID}.0a1b2c3d.tmp`);
    writeFileSync(torn, '{"formatVersion":1,"sta');
    const corrupt = join(batches, '20250101T000000000Z-deadbeef.json');
    writeFileSync(corrupt, '{ not json');
    const status = JSON.parse((await h.run(['status', '--json'])).stdout);
    expect(status.corrupt).toEqual([expect.stringContaining('20250101T000000000Z-deadbeef.json is corrupt')]);
    const doctor = await h.run(['doctor']);
    expect(doctor.code).toBe(4);
    expect(doctor.stdout).toMatch(
      /\[FAIL\] journal file: journal file 20250101T000000000Z-deadbeef\.json is corrupt/,
    );
    expect(doctor.stdout).toMatch(/\[WARN\] temp files: 1 left by a killed run/);
    expect((await pushQlib('--since-last')).code).toBe(0);
    expect(existsSync(torn)).toBe(false);
    expect(existsSync(corrupt)).toBe(true);
  });

  it('doctor passes on a healthy setup and names each check', async () => {
    const clean = join(h.dir, 'clean-journal');
    mkdirSync(clean);
    const run = await h.run(['--journal', clean, 'doctor', '--json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.checks.map((c: { name: string; status: string }) => `${c.name}:${c.status}`)).toEqual([
      'config:ok',
      'credentials:ok',
      'bucket:ok',
      'clock:ok',
      'journal:ok',
      'ingest:ok',
    ]);
    expect(readdirSync(clean).sort()).toEqual(['batches', 'spool']);
  });

  it('doctor says what to do about a wrong secret and a missing bucket', async () => {
    const secret = await h.run(['doctor'], { ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'nope' });
    expect(secret.code).toBe(3);
    expect(secret.stdout).toMatch(/\[FAIL\] bucket: .*OSS_AUTH|\[FAIL\] bucket: .*refused the credentials/);
    expect(secret.stdout).toContain('→ check the access key id and secret');
    const bucket = await h.run(['doctor'], { OSS_BUCKET: 'no-such-bucket' });
    expect(bucket.code).toBe(3);
    expect(bucket.stdout).toContain('→ create bucket no-such-bucket');
  });

  it('reports every configuration problem at once (exit 3)', async () => {
    const path = join(h.dir, 'bad-config.json');
    writeFileSync(path, JSON.stringify({ bucket: 'b', parallel: 0, endpoint: 'ftp://x', colour: 'blue' }));
    const unknown = await h.run(['--config', path, 'status']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('colour: unknown key');
    writeFileSync(
      path,
      JSON.stringify({ bucket: 'b', region: 'oss-cn-hangzhou', parallel: 0, endpoint: 'ftp://x' }),
    );
    const run = await h.run(['--config', path, 'status']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('invalid configuration (4 problems)');
    for (const key of ['OSS_BUCKET', 'OSS_REGION', 'OSS_ENDPOINT', 'QLIB_SYNC_PARALLEL'])
      expect(run.stderr).toContain(key);
  });
});
