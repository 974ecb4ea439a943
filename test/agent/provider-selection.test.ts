import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManifestV1 } from '../../core/manifest.js';
import { generateQlibDir, type QlibFixture, writeBin } from '../support/qlib-fixture.js';
import { type AgentHarness, manifests, readPayload, startAgentHarness } from './agent-harness.js';

const FIELDS = ['close', 'volume'];

/** Which rows a qlib push sends, and what it says about the ones it cannot (issue 8 item 15). */
describe('what a qlib push selects, and what it says about it', () => {
  let h: AgentHarness;
  let fixtures = 0;
  const fresh = (seed: number) =>
    generateQlibDir({
      root: join(h.dir, `qlib-${++fixtures}`),
      days: 10,
      instruments: 12,
      fields: FIELDS,
      seed,
      missingFileRate: 0,
    });
  const journal = (fixture: QlibFixture) =>
    join(fixture.root, '..', `journal-${fixture.root.split('-').at(-1)}`);
  const push = (fixture: QlibFixture, dataset: string, ...extra: string[]) =>
    h.run([
      '--journal',
      journal(fixture),
      'push',
      fixture.root,
      '--dataset',
      dataset,
      '--fields',
      FIELDS.join(','),
      ...extra,
    ]);
  const only = async (dataset: string): Promise<ManifestV1> => {
    const found = await manifests(h.store, `incoming/factors/${dataset}/`);
    expect(found).toHaveLength(1);
    return found[0] as ManifestV1;
  };

  beforeAll(async () => {
    h = await startAgentHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('--since-last with nothing pushed anywhere refuses (exit 2) and says why; --allow-full-history sends it', async () => {
    const fixture = fresh(41);
    const refused = await push(fixture, 'never_pushed', '--since-last');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'qlib-sync: [USAGE] --since-last: nothing of factors/never_pushed was pushed before (the journal',
    );
    expect(refused.stderr).toContain('add --allow-full-history (or give --start/--end)');
    expect(h.puts('incoming/factors/never_pushed/')).toEqual([]);
    const calendar = await h.run([
      '--journal',
      journal(fixture),
      'push',
      fixture.root,
      '--from',
      'calendar',
      '--dataset',
      'cal_never',
      '--since-last',
    ]);
    expect(calendar.code).toBe(2);
    const sent = await push(fixture, 'never_pushed', '--since-last', '--allow-full-history', '--json');
    expect(sent.code, sent.stderr).toBe(0);
    expect(JSON.parse(sent.stdout).dateRange).toEqual({
      start: fixture.calendar[0],
      end: fixture.calendar[9],
    });
  });

  it('--since-last with an empty journal starts after the last date the bucket holds', async () => {
    const fixture = fresh(42);
    expect((await push(fixture, 'new_machine', '--end', fixture.calendar[5]!)).code).toBe(0);
    // Another machine (or a lost journal): the bucket has the batch, the journal nothing.
    rmSync(journal(fixture), { recursive: true, force: true });
    const run = await push(fixture, 'new_machine', '--since-last', '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).dateRange).toEqual({
      start: fixture.calendar[6],
      end: fixture.calendar[9],
    });
    expect(run.stderr).toContain(
      `the journal has no batch of factors/new_machine; the bucket has 1 through ${fixture.calendar[5]}: starting after it`,
    );
  });

  it('an instrument the market file lists with an empty feature directory goes up all NULL, and a warning says so', async () => {
    const fixture = fresh(43);
    const empty = fixture.instruments.find((i) => i.memberships.length > 0 && i.delisted === 9)!;
    const dir = join(fixture.root, 'features', empty.featureDir);
    for (const file of readdirSync(dir)) rmSync(join(dir, file));
    const run = await push(fixture, 'empty_dir', '--market', fixture.market);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    const warning = JSON.parse(run.stderr.trim());
    expect(warning).toMatchObject({ level: 'warn', code: 'QLIB_NO_FEATURE_FILES' });
    expect(warning.msg).toMatch(
      new RegExp(
        `^1 instrument\\(s\\) listed in instruments/${fixture.market}\\.txt .* their rows went up with every value NULL$`,
      ),
    );
    expect(warning.examples).toEqual([`${empty.symbol} (${dir} has none of them)`]);
    const { rows } = await readPayload(h.store, await only('empty_dir'));
    const its = rows.filter((r) => r.instrument === empty.symbol);
    expect(its.length).toBeGreaterThan(0);
    expect(its.every((r) => r.values.every((v) => v === null))).toBe(true);
  });

  it('--market all: feature directories all.txt leaves out are named; --include-unlisted pushes them', async () => {
    const fixture = fresh(44);
    // An ETF with files but no line in instruments/all.txt, as qlib's collectors often leave them.
    mkdirSync(join(fixture.root, 'features', 'sh510050'));
    for (const field of FIELDS)
      writeBin(join(fixture.root, 'features', 'sh510050', `${field}.day.bin`), 2, [1, 2, 3, 4]);
    const left = await push(fixture, 'unlisted', '--json');
    expect(left.code).toBe(0);
    expect(JSON.parse(left.stdout).notices).toEqual([
      expect.objectContaining({ code: 'QLIB_UNLISTED_INSTRUMENTS', count: 1, examples: ['sh510050'] }),
    ]);
    // A hint, not a warning: said on a terminal or with --verbose, not in a quiet (cron) run.
    expect(left.stderr).toBe('');
    const verbose = await push(fixture, 'unlisted', '--verbose');
    expect(verbose.stderr).toContain('add --include-unlisted to push them');
    const { rows: without } = await readPayload(h.store, await only('unlisted'));
    expect(without.some((r) => r.instrument === 'SH510050')).toBe(false);

    const included = await push(fixture, 'unlisted_too', '--include-unlisted', '--json');
    expect(included.code, included.stderr).toBe(0);
    expect(JSON.parse(included.stdout).notices).toBeUndefined();
    const { rows } = await readPayload(h.store, await only('unlisted_too'));
    expect(rows.filter((r) => r.instrument === 'SH510050').map((r) => [r.date, r.values[0]])).toEqual(
      [2, 3, 4, 5].map((d, i) => [fixture.calendar[d], i + 1]),
    );
    const misuse = await push(fixture, 'unlisted_too', '--include-unlisted', '--market', fixture.market);
    expect(misuse.code).toBe(2);
  });
});
