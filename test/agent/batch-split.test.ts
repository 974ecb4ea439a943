import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planWindows, rowBytes, windowOf } from '../../agent/split/batch-windows.js';
import { generateQlibDir, type QlibFixture } from '../support/qlib-fixture.js';
import { type AgentHarness, manifests, readPayload, startAgentHarness } from './agent-harness.js';

describe('planning a split push', () => {
  const days = (n: number, rows = 10) =>
    Array.from({ length: n }, (_, i) => ({ date: `2024-01-${String(i + 1).padStart(2, '0')}`, rows }));

  it('cuts consecutive whole days up to the budget; a day larger than the budget stands alone', () => {
    expect(planWindows(days(5), 10, 250)).toEqual([
      { start: '2024-01-01', end: '2024-01-02' },
      { start: '2024-01-03', end: '2024-01-04' },
      { start: '2024-01-05', end: '2024-01-05' },
    ]);
    expect(planWindows(days(3, 100), 10, 50)).toHaveLength(3);
    expect(planWindows(days(3), 10, 10_000)).toEqual([{ start: '2024-01-01', end: '2024-01-03' }]);
    expect(planWindows([], 10, 100)).toEqual([]);
  });

  it('finds the window of a date, and sizes rows by their columns', () => {
    const windows = planWindows(days(5), 10, 250);
    expect(
      ['2023-12-31', '2024-01-01', '2024-01-02', '2024-01-04', '2024-01-09'].map((d) => windowOf(windows, d)),
    ).toEqual([-1, 0, 0, 1, 2]);
    expect(
      rowBytes([
        { name: 'a', type: 'float32' },
        { name: 'b', type: 'float64' },
      ]),
    ).toBe(48 + 4 + 8);
  });
});

describe('push --batch-mib', () => {
  let h: AgentHarness;
  let fixture: QlibFixture;
  const FIELDS = ['open', 'close', 'volume'];
  const args = () => ['push', fixture.root, '--dataset', 'cn_daily', '--fields', FIELDS.join(','), '--json'];

  beforeAll(async () => {
    h = await startAgentHarness();
    fixture = generateQlibDir({
      root: join(h.dir, 'qlib'),
      days: 60,
      instruments: 30,
      fields: FIELDS,
      seed: 11,
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('sends the same rows as one batch would, as consecutive batches of whole days; again: nothing sent', async () => {
    const one = await h.run([...args(), '--batch-mib', '0']);
    expect(one.code, one.stderr).toBe(0);
    const [single] = await manifests(h.store);
    const all = (await readPayload(h.store, single as never)).rows.map(
      (r) => `${r.date} ${r.instrument} ${r.values.join(',')}`,
    );

    const split = await h.run([...args(), '--batch-mib', '0.02', '--journal', join(h.dir, 'journal-split')]);
    expect(split.code, split.stderr).toBe(0);
    const result = JSON.parse(split.stdout) as {
      status: string;
      batches: { status: string; batchId: string }[];
    };
    expect(result.status).toBe('split');
    expect(result.batches.length).toBeGreaterThan(2);
    const parts = (await manifests(h.store)).filter((m) => m.batchId !== single?.batchId);
    parts.sort((a, b) => a.dateRange.start.localeCompare(b.dateRange.start));
    expect(parts).toHaveLength(result.batches.length);
    const rows: string[] = [];
    for (const [i, m] of parts.entries()) {
      if (i > 0) expect(m.dateRange.start > (parts[i - 1]?.dateRange.end as string)).toBe(true);
      rows.push(
        ...(await readPayload(h.store, m)).rows.map((r) => `${r.date} ${r.instrument} ${r.values.join(',')}`),
      );
    }
    expect(rows.sort()).toEqual(all.sort());

    const again = await h.run([...args(), '--batch-mib', '0.02', '--journal', join(h.dir, 'journal-split')]);
    const repeat = JSON.parse(again.stdout) as { batches: { status: string }[] };
    expect(repeat.batches.map((b) => b.status)).toEqual(result.batches.map(() => 'already-uploaded'));
  });

  it('refuses a budget that is not a number of MiB (exit 2)', async () => {
    const run = await h.run([...args(), '--batch-mib', 'lots']);
    expect(run.code).toBe(2);
    expect(run.stdout + run.stderr).toContain('--batch-mib lots must be a number of MiB');
  });
});
