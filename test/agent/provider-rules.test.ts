import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openProviderSource, type ProviderOptions } from '../../agent/sources/provider-source.js';
import type { SourceProblem } from '../../agent/sources/source.js';
import { TerminalError } from '../../core/errors.js';
import { writeBin } from '../support/qlib-fixture.js';

const DAYS = ['2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05', '2024-01-08', '2024-01-09'];

/** Every row a source yields, as `date instrument v1|v2` with NaN shown as `-`. */
async function rowsOf(options: Omit<ProviderOptions, 'root' | 'dataset'>, root: string): Promise<string[]> {
  const source = openProviderSource({ root, dataset: 'd', ...options });
  const problems: SourceProblem[] = [];
  const out: string[] = [];
  for await (const block of source.blocks((p) => problems.push(p))) {
    const width = source.columns.length;
    block.dates.forEach((date, r) => {
      const values = Array.from(block.values.subarray(r * width, (r + 1) * width), (v) =>
        Number.isNaN(v) ? '-' : String(v),
      );
      out.push(`${date} ${block.instrument} ${values.join('|')}`);
    });
  }
  expect(problems).toEqual([]);
  return out;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof TerminalError) return `${error.code}: ${error.message}`;
    throw error;
  }
  return 'no error';
}

describe('which rows a qlib directory gives', () => {
  let root: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'provider-rules-'));
    mkdirSync(join(root, 'calendars'));
    mkdirSync(join(root, 'instruments'));
    writeFileSync(join(root, 'calendars', 'day.txt'), `${DAYS.join('\n')}\n`);
    // A is in the market twice (two intervals), B is not in it; qlib writes timestamps too.
    writeFileSync(
      join(root, 'instruments', 'm.txt'),
      'SH600000\t2024-01-02\t2024-01-03\nSH600000\t2024-01-08 00:00:00\t2024-01-09 00:00:00\n',
    );
    writeFileSync(
      join(root, 'instruments', 'all.txt'),
      'SH600000\t2024-01-02\t2024-01-09\nSZ000001\t2024-01-02\t2024-01-03\n',
    );
    // A's directory is upper-case (older dumps), B's lower-case as qlib writes it.
    mkdirSync(join(root, 'features', 'SH600000'), { recursive: true });
    mkdirSync(join(root, 'features', 'sz000001'), { recursive: true });
    writeBin(join(root, 'features', 'SH600000', 'close.day.bin'), 1, [11, 12, 13]);
    writeBin(join(root, 'features', 'SH600000', 'volume.day.bin'), 2, [102, Number.NaN, 104, 105]);
    writeBin(join(root, 'features', 'sz000001', 'close.day.bin'), 0, [20, 21]);
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('a market: the membership pairs, NULL where a file has no value slot', async () => {
    expect(await rowsOf({ fields: ['close', 'volume'], selection: { market: 'm' } }, root)).toEqual([
      '2024-01-02 SH600000 -|-',
      '2024-01-03 SH600000 11|-',
      '2024-01-08 SH600000 -|104',
      '2024-01-09 SH600000 -|105',
    ]);
  });

  it('an explicit list: the dates some requested file covers; a missing field file is NULL', async () => {
    expect(
      await rowsOf(
        { fields: ['close', 'volume'], selection: { instruments: ['SZ000001', 'SH600000'] } },
        root,
      ),
    ).toEqual([
      '2024-01-03 SH600000 11|-',
      '2024-01-04 SH600000 12|102',
      '2024-01-05 SH600000 13|-',
      '2024-01-08 SH600000 -|104',
      '2024-01-09 SH600000 -|105',
      '2024-01-02 SZ000001 20|-',
      '2024-01-03 SZ000001 21|-',
    ]);
  });

  it('cuts to the date range, and finds fields whatever their case (columns keep the given name)', async () => {
    const source = openProviderSource({
      root,
      dataset: 'd',
      fields: ['CLOSE'],
      selection: { market: 'all' },
    });
    expect(source.columns).toEqual([{ name: 'CLOSE', type: 'float32' }]);
    expect(
      await rowsOf(
        { fields: ['CLOSE'], selection: { market: 'all' }, start: '2024-01-03', end: '2024-01-04' },
        root,
      ),
    ).toEqual(['2024-01-03 SH600000 11', '2024-01-04 SH600000 12', '2024-01-03 SZ000001 21']);
  });

  it('names what is missing: a market, an instrument, a field', async () => {
    expect(
      codeOf(() =>
        openProviderSource({ root, dataset: 'd', fields: ['close'], selection: { market: 'csi300' } }),
      ),
    ).toMatch(/^QLIB_MARKET_NOT_FOUND: .*known markets: all, m$/);
    expect(
      codeOf(() =>
        openProviderSource({
          root,
          dataset: 'd',
          fields: ['close'],
          selection: { instruments: ['SH999999'] },
        }),
      ),
    ).toMatch(/^QLIB_INSTRUMENT_NOT_FOUND: .*SH999999$/);
    expect(
      codeOf(() =>
        openProviderSource({
          root,
          dataset: 'd',
          fields: ['close', 'datetime'],
          selection: { market: 'all' },
        }),
      ),
    ).toMatch(/^FIELD_NAME_INVALID/);
    await expect(
      rowsOf({ fields: ['close', 'vwap'], selection: { market: 'all' } }, root),
    ).rejects.toMatchObject({
      code: 'QLIB_FIELD_NOT_FOUND',
    });
  });

  it('refuses a .bin whose start index is not an integer', async () => {
    writeBin(join(root, 'features', 'sz000001', 'open.day.bin'), 0.5, [1]);
    await expect(
      rowsOf({ fields: ['open'], selection: { instruments: ['SZ000001'] } }, root),
    ).rejects.toThrow(/open\.day\.bin: its start index 0\.5 is not a non-negative integer/);
  });
});
