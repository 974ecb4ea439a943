import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManifestV1 } from '../../core/manifest.js';
import { appendDays, generateQlibDir, type QlibFixture, writeBin } from '../support/qlib-fixture.js';
import { type AgentHarness, collect, manifests, startAgentHarness } from './agent-harness.js';
import { frameOf, writePandasCsv } from './export-fixture.js';

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('watch (the daemon, as a child process)', () => {
  let h: AgentHarness;
  let fixture: QlibFixture;

  beforeAll(async () => {
    h = await startAgentHarness();
    fixture = generateQlibDir({
      root: join(h.dir, 'qlib'),
      days: 15,
      instruments: 30,
      fields: ['close', 'volume'],
      seed: 8,
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('catches up, pushes a qlib update once it is quiet, picks up new export files, and stops on SIGTERM', async () => {
    const exportDir = join(h.dir, 'exports');
    mkdirSync(exportDir);
    const child = h.spawn([
      'watch',
      '--qlib-dir',
      fixture.root,
      '--export-dir',
      exportDir,
      '--dataset',
      'watched',
      '--fields',
      'close,volume',
      '--market',
      'csi300',
      '--calendar-dataset',
      'cn',
      // Nothing was pushed of these datasets yet: the first round sends their whole history.
      '--allow-full-history',
      '--quiet',
      '0.3',
      '--poll',
      '0.1',
    ]);
    const done = collect(child);
    const factors = (n: number) => async () => {
      const found = await manifests(h.store, 'incoming/factors/watched/');
      return found.length >= n ? found.sort((a, b) => (a.batchId < b.batchId ? -1 : 1)) : undefined;
    };
    const [first] = (await waitFor('the catch-up push', factors(1))) as ManifestV1[];
    expect(first?.dateRange).toEqual({ start: fixture.calendar[0], end: fixture.calendar[14] });
    appendDays(fixture, 1, 3);
    const all = await waitFor('the incremental push', factors(2));
    expect(all[1]?.dateRange).toEqual({ start: fixture.calendar[15], end: fixture.calendar[15] });
    const calendars = await manifests(h.store, 'incoming/calendar/cn/');
    expect(calendars.map((m) => m.rowCount).sort()).toEqual([1, 15]);

    writePandasCsv(join(exportDir, 'alpha.csv'), ['close', 'volume'], frameOf(fixture, ['close', 'volume']), {
      header: 'single',
      datetime: 'date',
    });
    const exported = await waitFor('the export push', factors(3));
    expect(exported[2]?.producer.sourcePath).toBe(join(exportDir, 'alpha.csv'));

    child.kill('SIGTERM');
    const run = await done;
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('"msg":"watch stopped"');
    expect(run.stdout).toContain('factors/watched: uploaded');
  });

  it('checks its options once before it starts: exit 2 for a bad command line, 4 for a missing directory', async () => {
    // Already stopped: without the checks up front the watch would start and return 0 (or loop logging).
    const stopped = { stop: AbortSignal.abort() };
    const watch = (...args: string[]) => h.run(['watch', '--dataset', 'checked', ...args], {}, stopped);
    const both = await watch(
      '--qlib-dir',
      fixture.root,
      '--fields',
      'close',
      '--market',
      'csi300',
      '--instruments',
      'SH600000',
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give either --market or --instruments, not both');
    const missing = await watch('--qlib-dir', join(h.dir, 'no-qlib'), '--fields', 'close');
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain(
      `[QLIB_DIR_NOT_FOUND] qlib directory ${join(h.dir, 'no-qlib')} does not exist`,
    );
    const noExports = await watch('--export-dir', join(h.dir, 'no-exports'));
    expect(noExports.code).toBe(4);
    expect(noExports.stderr).toContain('[EXPORT_DIR_NOT_FOUND]');
    const stray = await watch('--export-dir', h.dir, '--fields', 'close');
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('--fields applies to --qlib-dir');
    expect(stray.stderr).not.toContain('"msg":"watching"');
  });

  it('pushes each export file on its own: a blocked one waits for a change, a transient failure is retried', async () => {
    const dir = join(h.dir, 'each');
    mkdirSync(dir);
    const csv = (rows: string[]) => ['datetime,instrument,KMID', ...rows, ''].join('\n');
    const dupes = ['2024-01-02,SH600000,0.5', '2024-01-02,SH600000,0.5'];
    writeFileSync(join(dir, 'a.csv'), csv(dupes));
    writeFileSync(join(dir, 'b.csv'), csv(['2024-01-02,SH600000,0.25']));
    writeFileSync(join(dir, 'c.csv'), csv(['2024-01-03,SH600000,0.75']));
    let failedPuts = 0;
    // Every attempt of the first payload PUT (b.csv's) fails: b's push gives up, transiently.
    h.traffic.fault = (req) =>
      req.method === 'PUT' && req.key.endsWith('data.csv.gz') && ++failedPuts <= 3
        ? { status: 503, code: 'ServiceUnavailable', message: 'busy' }
        : undefined;
    const child = h.spawn([
      'watch',
      '--export-dir',
      dir,
      '--dataset',
      'each',
      '--quiet',
      '0.3',
      '--poll',
      '0.1',
      '--json',
    ]);
    const done = collect(child);
    const sources = (n: number) => async () => {
      const found = await manifests(h.store, 'incoming/factors/each/');
      return found.length >= n ? found.map((m) => m.producer.sourcePath).sort() : undefined;
    };
    expect(await waitFor('b and c', sources(2))).toEqual([join(dir, 'b.csv'), join(dir, 'c.csv')]);
    h.traffic.fault = undefined;
    writeFileSync(join(dir, 'd.csv'), csv(['2024-01-04,SH600000,1.5']));
    await waitFor('d', sources(3));
    writeFileSync(join(dir, 'a.csv'), csv(['2024-01-05,SH600000,2.5', '2024-01-05,SZ000001,3.5']));
    expect(await waitFor('a, once fixed', sources(4))).toEqual(
      ['a', 'b', 'c', 'd'].map((f) => join(dir, `${f}.csv`)),
    );

    child.kill('SIGTERM');
    const run = await done;
    expect(run.code).toBe(0);
    // a.csv was refused once: the rounds for d.csv did not try it again while it was unchanged.
    expect(run.stderr.match(/batch blocked by the quality rules/g)).toHaveLength(1);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { status: string; source?: string; retry?: boolean });
    expect(lines.filter((l) => l.status === 'failed').map((l) => [l.source, l.retry])).toEqual([
      [join(dir, 'a.csv'), false],
      [join(dir, 'b.csv'), true],
    ]);
    expect(lines.filter((l) => l.status === 'uploaded')).toHaveLength(3);
    expect(lines.filter((l) => l.status === 'already-uploaded')).toHaveLength(1);
  });

  it('sends again a day already pushed once values for it appear later (a .bin that grew)', async () => {
    const late = generateQlibDir({
      root: join(h.dir, 'qlib-late'),
      days: 8,
      instruments: 10,
      fields: ['close'],
      seed: 12,
      missingFileRate: 0,
    });
    // One more instrument whose file stops a day short of the calendar, as qlib's index series often do.
    mkdirSync(join(late.root, 'features', 'sh000300'));
    writeBin(join(late.root, 'features', 'sh000300', 'close.day.bin'), 0, [1, 2, 3, 4, 5, 6, 7]);
    const child = h.spawn([
      '--journal',
      join(h.dir, 'journal-watch-late'),
      'watch',
      '--qlib-dir',
      late.root,
      '--dataset',
      'watch_late',
      '--fields',
      'close',
      '--instruments',
      ['SH000300', ...late.instruments.map((i) => i.symbol)].join(','),
      '--allow-full-history',
      '--quiet',
      '0.3',
      '--poll',
      '0.1',
      '--json',
    ]);
    const done = collect(child);
    const batches = (n: number) => async () => {
      const found = await manifests(h.store, 'incoming/factors/watch_late/');
      return found.length >= n ? found.sort((a, b) => (a.batchId < b.batchId ? -1 : 1)) : undefined;
    };
    await waitFor('the first push', batches(1));
    // The index's file grows by the day it lacked: no new calendar day, only a late value.
    writeBin(join(late.root, 'features', 'sh000300', 'close.day.bin'), 0, [1, 2, 3, 4, 5, 6, 7, 8]);
    const [, again] = (await waitFor('the late day', batches(2))) as ManifestV1[];
    expect(again?.dateRange).toEqual({ start: late.calendar[7], end: late.calendar[7] });
    child.kill('SIGTERM');
    const run = await done;
    expect(run.code).toBe(0);
    const pushed = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(pushed[1]).toMatchObject({
      status: 'uploaded',
      late: { dates: [late.calendar[7]], examples: ['SH000300'] },
    });
  });
});
