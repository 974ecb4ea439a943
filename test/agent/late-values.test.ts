import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { littleEndian } from '../support/qlib-bin.js';
import { appendDays, generateQlibDir, type QlibFixture, readBin, writeBin } from '../support/qlib-fixture.js';
import { type StackAgent, startStackAgent } from './stack-agent-harness.js';

const FIELDS = ['close', 'volume'];
/** Index codes as qlib's cn data names them: they come with the stocks in instruments/all.txt. */
const INDICES = Array.from({ length: 11 }, (_, i) => `SH000${String(300 + i)}`);

/** A provider directory whose 11 index instruments lag the stocks by one day, as in qlib's own update. */
function laggingIndices(root: string, seed: number): QlibFixture {
  const fixture = generateQlibDir({
    root,
    days: 12,
    instruments: 20,
    fields: FIELDS,
    seed,
    missingFileRate: 0,
  });
  writeIndices(fixture, fixture.calendar.length - 2);
  return fixture;
}

/** The indices' .bin files up to calendar index `end` (only ever grown at the end) and their all.txt lines. */
function writeIndices(fixture: QlibFixture, end: number): void {
  INDICES.forEach((symbol, k) => {
    mkdirSync(join(fixture.root, 'features', symbol.toLowerCase()), { recursive: true });
    for (const field of FIELDS) {
      const path = join(fixture.root, 'features', symbol.toLowerCase(), `${field}.day.bin`);
      const values = Array.from({ length: end + 1 }, (_, d) => indexValue(k, field, d));
      let have = -1;
      try {
        have = readBin(path).values.length - 1;
      } catch {
        writeBin(path, 0, []);
      }
      appendFileSync(path, littleEndian(Float32Array.from(values.slice(have + 1))));
    }
  });
  const lines = INDICES.map((s) => `${s}\t${fixture.calendar[0]}\t${fixture.calendar[end]}`);
  appendFileSync(join(fixture.root, 'instruments', 'all.txt'), `${lines.join('\n')}\n`);
}

function indexValue(k: number, field: string, day: number): number {
  return Math.fround(field === 'close' ? 3000 + 10 * k + day : 1e6 * (k + 1) + day);
}

/** Item 1 of issue 8 through the real agent and the real ingest: values that appear late reach MySQL. */
describe('late values and rewritten history (agent + ingest on the local stack)', () => {
  let a: StackAgent;
  let fixtures = 0;
  const push = (fixture: QlibFixture, dataset: string, ...extra: string[]) =>
    a.run([
      '--journal',
      join(fixture.root, '..', 'journal'),
      'push',
      fixture.root,
      '--dataset',
      dataset,
      '--fields',
      FIELDS.join(','),
      '--market',
      'all',
      '--wait',
      '--json',
      ...extra,
    ]);
  const fresh = (seed: number) => laggingIndices(join(a.dir, `case-${++fixtures}`, 'qlib'), seed);
  const values = (dataset: string, date: string) =>
    a.query(`SELECT instrument, close, volume FROM f_${dataset} WHERE trade_date = ? ORDER BY instrument`, [
      date,
    ]);

  beforeAll(async () => {
    a = await startStackAgent('late');
  });
  afterAll(async () => {
    await a?.close();
  });

  it('11 index instruments whose .bin files grew for a day already sent: --since-last sends that day again', async () => {
    const fixture = fresh(31);
    const first = await push(fixture, 'late_fill');
    expect(first.code, first.stderr).toBe(0);
    const day = fixture.calendar[11] as string; // the indices have no value for it yet
    const stocks = await values('late_fill', day);
    expect(stocks.map((r) => r.instrument)).not.toContain(INDICES[0]);

    // The next update: the stocks get one new day; the indices catch up on `day` and get the new one too.
    appendDays(fixture, 1, 4);
    writeIndices(fixture, 12);
    const next = await push(fixture, 'late_fill', '--since-last');
    expect(next.code, next.stderr).toBe(0);
    const result = JSON.parse(next.stdout);
    expect(result).toMatchObject({
      status: 'uploaded',
      dateRange: { start: day, end: fixture.calendar[12] },
      late: { dates: [day], instruments: 11 },
      ingest: { status: 'loaded' },
    });
    expect(result.late.examples).toEqual(INDICES.slice(0, 10));
    const rows = await values('late_fill', day);
    for (const [k, symbol] of INDICES.entries()) {
      expect(rows.find((r) => r.instrument === symbol)).toEqual({
        instrument: symbol,
        close: indexValue(k, 'close', 11),
        volume: indexValue(k, 'volume', 11),
      });
    }
    // The day was restated whole: the stocks' rows again, the old ones kept in the history table.
    expect(rows).toHaveLength(stocks.length + INDICES.length);
    const replaced = await a.query('SELECT COUNT(*) AS n FROM f_late_fill__history WHERE trade_date = ?', [
      day,
    ]);
    expect(Number(replaced[0]?.n)).toBeGreaterThan(0);

    // Nothing late any more: the next push has nothing to send.
    const after = JSON.parse((await push(fixture, 'late_fill', '--since-last')).stdout);
    expect(after).toMatchObject({ status: 'empty' });
    expect(after.late).toBeUndefined();
  });

  it('history rewritten under dates already sent (dump_fix) is reported with the restatement that sends it', async () => {
    const fixture = fresh(32);
    writeIndices(fixture, 11);
    expect((await push(fixture, 'fixed')).code).toBe(0);
    // dump_fix rewrites one value of one stock five days back: the file keeps its size.
    const stock = fixture.instruments[0]!;
    const path = join(fixture.root, 'features', stock.featureDir, 'close.day.bin');
    const bytes = readFileSync(path);
    const day = 6;
    const at = 4 + 4 * (day - stock.listed);
    bytes.writeFloatLE(123.25, at);
    writeFileSync(path, bytes);

    for (const round of [1, 2]) {
      // Off a terminal, without --json: the warning is all that is printed, on each run until it is fixed.
      const quiet = await a.run([
        '--journal',
        join(fixture.root, '..', 'journal'),
        'push',
        fixture.root,
        '--dataset',
        'fixed',
        '--fields',
        FIELDS.join(','),
        '--market',
        'all',
        '--since-last',
      ]);
      expect(quiet.code, `round ${round}`).toBe(0);
      expect(quiet.stdout).toBe('');
      const warning = JSON.parse(quiet.stderr.trim()) as { level: string; code: string; msg: string };
      expect(warning).toMatchObject({ level: 'warn', code: 'HISTORY_REWRITTEN' });
      expect(warning.msg).toContain(`${stock.symbol}: values already sent changed`);
    }
    const reported = JSON.parse((await push(fixture, 'fixed', '--since-last')).stdout);
    expect(reported).toMatchObject({ status: 'empty', history: { code: 'HISTORY_REWRITTEN' } });
    const command = reported.history.command as string;
    expect(command).toBe(
      `qlib-sync push ${fixture.root} --dataset fixed --fields close,volume --market all --start ${fixture.calendar[0]} --end ${fixture.calendar[11]}`,
    );
    const before = await values('fixed', fixture.calendar[day] as string);
    expect(before.find((r) => r.instrument === stock.symbol)?.close).not.toBe(123.25);

    // The printed push, as given: a restatement ingest loads; then nothing is reported any more.
    const args = command.split(' ').slice(1);
    const restated = await a.run([
      '--journal',
      join(fixture.root, '..', 'journal'),
      ...args,
      '--wait',
      '--json',
    ]);
    expect(restated.code, restated.stderr).toBe(0);
    const restatement = JSON.parse(restated.stdout);
    expect(restatement).toMatchObject({ status: 'uploaded', ingest: { status: 'loaded' } });
    expect(restatement.history).toBeUndefined(); // it sends what the report named: nothing to report
    expect(restated.stderr).not.toContain('HISTORY_REWRITTEN');
    const fixed = await values('fixed', fixture.calendar[day] as string);
    expect(fixed.find((r) => r.instrument === stock.symbol)?.close).toBe(123.25);
    const clean = JSON.parse((await push(fixture, 'fixed', '--since-last')).stdout);
    expect(clean).toEqual({
      status: 'empty',
      kind: 'factors',
      dataset: 'fixed',
      reason: 'no rows in the selected range',
    });
  });

  it('late values older than lateDays are reported with the push that sends them, each time, not sent', async () => {
    const root = join(a.dir, `case-${++fixtures}`, 'qlib');
    const fixture = generateQlibDir({
      root,
      days: 12,
      instruments: 20,
      fields: FIELDS,
      seed: 33,
      missingFileRate: 0,
    });
    expect((await push(fixture, 'late_old')).code).toBe(0);
    // The next update adds a day, and an ETF that instruments/all.txt did not list before, with its history.
    appendDays(fixture, 1, 6);
    mkdirSync(join(root, 'features', 'sh510300'));
    for (const field of FIELDS) {
      writeBin(
        join(root, 'features', 'sh510300', `${field}.day.bin`),
        0,
        Array.from({ length: 13 }, (_, d) => d + 1),
      );
    }
    appendFileSync(
      join(root, 'instruments', 'all.txt'),
      `SH510300\t${fixture.calendar[0]}\t${fixture.calendar[12]}\n`,
    );
    const command = `qlib-sync push ${root} --dataset late_old --fields close,volume --market all --start ${fixture.calendar[0]} --end ${fixture.calendar[11]}`;
    for (const [round, status] of [
      [1, 'uploaded'],
      [2, 'empty'],
    ] as const) {
      const old = await a.run(
        [
          '--journal',
          join(root, '..', 'journal'),
          'push',
          root,
          '--dataset',
          'late_old',
          '--fields',
          FIELDS.join(','),
          '--market',
          'all',
          '--since-last',
          '--wait',
          '--json',
        ],
        { QLIB_SYNC_LATE_DAYS: '0' },
      );
      expect(old.code, `round ${round}`).toBe(0);
      expect(JSON.parse(old.stdout)).toMatchObject({ status, history: { code: 'LATE_VALUES_OLD', command } });
    }
    const etf = await a.query(
      `SELECT trade_date FROM f_late_old WHERE instrument = 'SH510300' ORDER BY trade_date`,
    );
    expect(etf.map((r) => r.trade_date)).toEqual([fixture.calendar[12]]);
  });
});
