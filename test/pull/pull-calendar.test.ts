import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../agent/agent-harness.js';
import { type ApiEnvironment, startApi } from '../api/api-harness.js';
import { makeBatch } from '../ingest/batch-builder.js';
import { readProvider } from './provider-reader.js';
import { batchOf, DAYS, type Data, expectedView, rowsInto } from './pull-fixture.js';

/**
 * A calendar corrected among committed days (not an append): the pull rewrites the files from that day on, keeps
 * the ones that end before it, and says so. Its own stack: a calendar batch is every dataset's calendar here.
 */
describe('qlib-sync pull: a calendar change that is not an append', () => {
  let api: ApiEnvironment;
  let work: string;
  const data: Data = new Map();

  beforeAll(async () => {
    api = await startApi('pullcal');
    work = mkdtempSync(join(tmpdir(), 'pull-calendar-'));
  });

  afterAll(async () => {
    await api?.close();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('rewrites what the change affects and says so', async () => {
    const token = await api.token(['read:data'], 'trainer');
    const calendar = DAYS.slice(0, 12);
    const loaded = async (batch: ReturnType<typeof makeBatch>) =>
      expect((await api.push(batch)).status).toBe('loaded');
    await loaded(makeBatch({ kind: 'calendar', dataset: 'cn', days: calendar }));
    rowsInto(data, 0, 10, 1);
    await loaded(batchOf('cal', data, 0, 10));
    const dir = join(work, 'qlib_cloud');
    const pull = async () => {
      const run = await runCliCaptured(['pull', '--dataset', 'cal', '--to', dir, '--json'], {
        env: { QLIB_SYNC_API_URL: api.base, QLIB_SYNC_API_TOKEN: token },
        home: work,
      });
      return { ...run, doc: JSON.parse(run.stdout.trim().split('\n').at(-1) as string) };
    };
    const first = await pull();
    expect(first.code, first.stderr).toBe(0);
    expect(readProvider(dir)).toEqual(expectedView(data, undefined, DAYS.slice(0, 10)));
    // Day 7 was not a trading day after all: the calendar is corrected, no factor batch loads.
    const corrected = calendar.filter((_, i) => i !== 7);
    await loaded(
      makeBatch({
        kind: 'calendar',
        dataset: 'cn',
        days: corrected,
        dateRange: { start: calendar[0] as string, end: calendar.at(-1) as string },
      }),
    );
    const second = await pull();
    expect(second.code, second.stderr).toBe(0);
    expect(second.doc).toMatchObject({ mode: 'incremental', days: { total: 9, calendarChangedAt: DAYS[7] } });
    expect(second.stderr).toContain(`the calendar changed at ${DAYS[7]} (not an append)`);
    // SH600006 stops after day 6: its files end before the change and are kept as they were.
    expect(second.doc.instruments).toMatchObject({ linked: 1, rewritten: 7 });
    const view = readProvider(dir);
    expect(view).toEqual(expectedView(data, undefined, corrected.slice(0, 9)));
    expect(view.days).not.toContain(DAYS[7]);
  });
});
