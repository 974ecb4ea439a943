import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManifestV1 } from '../../core/manifest.js';
import { appendDays, generateQlibDir, type QlibFixture } from '../support/qlib-fixture.js';
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
    const { mkdirSync } = await import('node:fs');
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
});
