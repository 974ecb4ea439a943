import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessDays, writeBin } from '../support/qlib-fixture.js';
import { type AgentHarness, manifests, readPayload, startAgentHarness } from './agent-harness.js';

/**
 * The rules ingest runs, run by the agent before anything is uploaded (core/quality): dates after today,
 * trading days without rows, and instrument codes in qlib's canonical spelling.
 */
describe('agent: the quality rules it shares with ingest', () => {
  let h: AgentHarness;
  const qlibDir = (name: string, days: string[]) => {
    const root = join(h.dir, name);
    mkdirSync(join(root, 'calendars'), { recursive: true });
    mkdirSync(join(root, 'instruments'), { recursive: true });
    writeFileSync(join(root, 'calendars', 'day.txt'), `${days.join('\n')}\n`);
    return root;
  };
  const push = (root: string, dataset: string, extra: string[]) =>
    h.run(['push', root, '--dataset', dataset, '--fields', 'close', '--json', ...extra]);
  /** What the CLI said (--json: the result or error document on stdout, progress on stderr). */
  const said = (run: { stdout: string; stderr: string }) => `${run.stdout}\n${run.stderr}`;

  beforeAll(async () => {
    h = await startAgentHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('refuses rows dated after tomorrow (DATE_IN_FUTURE) and uploads nothing', async () => {
    // Ten trading days from a week ago: the last ones lie after tomorrow (the signed OSS requests need the real clock).
    const days = businessDays(new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10), 10);
    const root = qlibDir('future', days);
    writeFileSync(join(root, 'instruments', 'all.txt'), `SH600000\t${days[0]}\t${days[9]}\n`);
    mkdirSync(join(root, 'features', 'sh600000'), { recursive: true });
    writeBin(
      join(root, 'features', 'sh600000', 'close.day.bin'),
      0,
      days.map((_, i) => 10 + i),
    );
    const run = await push(root, 'a_future', []);
    expect(run.code).toBe(4);
    expect(said(run)).toContain('DATE_IN_FUTURE');
    expect(await manifests(h.store, 'incoming/factors/a_future/')).toEqual([]);
  });

  it('refuses a batch whose trading days are not all covered (DATE_MISSING)', async () => {
    const days = businessDays('2024-05-06', 6);
    const root = qlibDir('gaps', days);
    // Two instruments asked for by code, their files covering the first two and the last two days only.
    for (const [dir, start, values] of [
      ['sh600000', 0, [1, 2]],
      ['sz000001', 4, [3, 4]],
    ] as const) {
      mkdirSync(join(root, 'features', dir), { recursive: true });
      writeBin(join(root, 'features', dir, 'close.day.bin'), start, [...values]);
    }
    const run = await push(root, 'a_gaps', ['--instruments', 'SH600000,SZ000001']);
    expect(run.code).toBe(4);
    expect(said(run)).toContain('DATE_MISSING');
    expect(await manifests(h.store, 'incoming/factors/a_gaps/')).toEqual([]);
  });

  it("the manifest's range is the rows' span: a calendar that runs on past the files is no gap", async () => {
    const days = businessDays('2024-06-03', 6);
    const root = qlibDir('tail', days);
    mkdirSync(join(root, 'features', 'sh600000'), { recursive: true });
    writeBin(join(root, 'features', 'sh600000', 'close.day.bin'), 0, [1, 2, 3, 4]); // the first 4 days
    const run = await push(root, 'a_tail', ['--instruments', 'SH600000']);
    expect(run.code, said(run)).toBe(0);
    const [manifest] = await manifests(h.store, 'incoming/factors/a_tail/');
    expect(manifest?.dateRange).toEqual({ start: days[0], end: days[3] });
  });

  it('writes instrument codes upper-case, and reads one code asked for in two spellings once', async () => {
    const days = businessDays('2024-05-06', 3);
    const root = qlibDir('spelling', days);
    // qlib writes the market file upper-case and the directory lower-case; another tool wrote lower case.
    writeFileSync(join(root, 'instruments', 'm.txt'), `sh510050\t${days[0]}\t${days[2]}\n`);
    mkdirSync(join(root, 'features', 'sh510050'), { recursive: true });
    writeBin(join(root, 'features', 'sh510050', 'close.day.bin'), 0, [1.5, 2.5, 3.5]);
    const market = await push(root, 'a_market', ['--market', 'm']);
    expect(market.code, said(market)).toBe(0);
    const [manifest] = await manifests(h.store, 'incoming/factors/a_market/');
    const { rows } = await readPayload(h.store, manifest!);
    expect(rows.map((r) => r.instrument)).toEqual(['SH510050', 'SH510050', 'SH510050']);

    const listed = await push(root, 'a_listed', ['--instruments', 'sh510050,SH510050']);
    expect(listed.code, said(listed)).toBe(0);
    const [again] = await manifests(h.store, 'incoming/factors/a_listed/');
    expect(again?.rowCount).toBe(3);
  });
});
