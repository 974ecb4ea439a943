import { describe, expect, it } from 'vitest';
import { futureHorizon } from '../../core/quality/date-rules.js';
import { FindingLog } from '../../core/quality/findings.js';
import { type BatchClaim, BatchInspector, type InspectedRow } from '../../core/quality/inspector.js';
import { DEFAULT_POLICY } from '../../core/quality/policy.js';
import { SeenPairs } from '../../core/quality/seen-pairs.js';
import { MAX_TABLE_COLUMNS, MAX_VALUE_BYTES, tableShapeProblem, valueBytes } from '../../core/table-shape.js';
import { createRandom } from '../support/seeded-random.js';

const DAYS = ['2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05', '2024-01-08'];

function rowsFor(dates: string[], instruments = 25): InspectedRow[] {
  let line = 2;
  return dates.flatMap((date, d) =>
    Array.from({ length: instruments }, (_, i) => ({
      line: line++,
      date,
      instrument: `SH6${String(i).padStart(5, '0')}`,
      values: [i * 0.25 + d, -i],
    })),
  );
}

function claimOf(rows: InspectedRow[], patch: Partial<BatchClaim> = {}): BatchClaim {
  return {
    kind: 'factors',
    dateRange: { start: DAYS[0] as string, end: DAYS[DAYS.length - 1] as string },
    columns: [{ name: 'a' }, { name: 'b' }],
    rowCount: rows.length,
    ...patch,
  };
}

const codes = (report: { findings: { code: string; severity: string }[] }) =>
  report.findings.map((f) => `${f.severity}:${f.code}`);

describe('quality rules: dates in the future (DATE_IN_FUTURE)', () => {
  it('blocks rows dated after the creation day plus a day, naming them', () => {
    const rows = rowsFor(['2026-11-30'], 3);
    rows.push({ line: 90, date: '2099-06-01', instrument: 'SH600000', values: [1, 2] });
    rows.push({ line: 91, date: '9999-12-31', instrument: 'SH600001', values: [1, 2] });
    rows.push({ line: 92, date: '2026-12-08', instrument: 'SH600002', values: [1, 2] }); // created + 1: fine
    const claim = claimOf(rows, {
      dateRange: { start: '2026-11-30', end: '9999-12-31' },
      createdAt: '2026-12-07T20:30:00.000Z',
    });
    const inspector = new BatchInspector(claim, DEFAULT_POLICY, { today: '2026-12-07' });
    for (const row of rows) inspector.row(row);
    const report = inspector.finish();
    const future = report.findings.find((f) => f.code === 'DATE_IN_FUTURE');
    expect(future).toMatchObject({ severity: 'block', count: 2 });
    expect(future?.message).toContain('2026-12-08');
    expect(future?.examples.map((e) => [e.line, e.date, e.instrument])).toEqual([
      [90, '2099-06-01', 'SH600000'],
      [91, '9999-12-31', 'SH600001'],
    ]);
  });

  it("takes the earlier of the manifest's creation day and the checker's own day", () => {
    expect(futureHorizon('2099-01-01T00:00:00.000Z', '2026-12-07')).toBe('2026-12-08');
    expect(futureHorizon('2024-02-28T23:59:59.999Z', '2026-12-07')).toBe('2024-02-29');
    expect(futureHorizon(undefined, '2026-12-31')).toBe('2027-01-01');
    expect(futureHorizon(undefined, undefined)).toBeUndefined();
  });
});

describe('quality rules: a date range wider than the rows (DATE_MISSING)', () => {
  it('blocks trading days of the range without rows, each named with why it was required', () => {
    const rows = rowsFor(['2024-01-02']);
    const inspector = new BatchInspector(claimOf(rows), DEFAULT_POLICY, { calendar: new Set(DAYS) });
    for (const row of rows) inspector.row(row);
    const report = inspector.finish();
    expect(codes(report)).toEqual(['block:DATE_MISSING']);
    const missing = report.findings[0];
    expect(missing?.count).toBe(4);
    expect(missing?.examples.map((e) => e.date)).toEqual(DAYS.slice(1));
    expect(missing?.examples[0]?.detail).toContain('trading day');
  });

  it('without a calendar, the first and last day of the range must have rows', () => {
    const rows = rowsFor(['2024-01-02', '2024-01-03']);
    const wide = new BatchInspector(claimOf(rows), DEFAULT_POLICY);
    for (const row of rows) wide.row(row);
    expect(wide.finish().findings.map((f) => [f.code, f.examples.map((e) => e.date)])).toEqual([
      ['DATE_MISSING', ['2024-01-08']],
    ]);
    const tight = new BatchInspector(
      claimOf(rows, { dateRange: { start: '2024-01-02', end: '2024-01-03' } }),
      DEFAULT_POLICY,
    );
    for (const row of rows) tight.row(row);
    expect(tight.finish().findings).toEqual([]);
  });

  it('a day the table holds in the range must have rows, even where no calendar says it trades', () => {
    const rows = rowsFor(['2024-01-02', '2024-01-08']);
    const inspector = new BatchInspector(claimOf(rows), DEFAULT_POLICY);
    inspector.requireDays(['2024-01-03', '2023-12-29']); // the second is outside the range: not required
    for (const row of rows) inspector.row(row);
    const report = inspector.finish();
    expect(report.findings.map((f) => [f.code, f.examples.map((e) => e.date)])).toEqual([
      ['DATE_MISSING', ['2024-01-03']],
    ]);
    expect(report.findings[0]?.examples[0]?.detail).toContain('the table holds rows for it now');
  });
});

describe('quality rules: instrument codes, counts and false findings', () => {
  it('sh510050 and SH510050 are one instrument: the second is a DUPLICATE_KEY', () => {
    const rows: InspectedRow[] = [
      { line: 2, date: '2024-01-02', instrument: 'SH510050', values: [1, 2] },
      { line: 3, date: '2024-01-02', instrument: 'sh510050', values: [3, 4] },
    ];
    const inspector = new BatchInspector(
      claimOf(rows, { dateRange: { start: '2024-01-02', end: '2024-01-02' } }),
      DEFAULT_POLICY,
    );
    for (const row of rows) inspector.row(row);
    const report = inspector.finish();
    expect(codes(report)).toEqual(['block:DUPLICATE_KEY']);
    expect(report.instruments).toBe(1);
  });

  it('counts rejected lines toward the row count and skips distribution rules once a finding blocks', () => {
    const rows = rowsFor(DAYS);
    const inspector = new BatchInspector(claimOf(rows, { rowCount: rows.length + 50 }), DEFAULT_POLICY, {
      previousDay: { date: '2023-12-29', instruments: 250 }, // a drift the batch would otherwise warn about
    });
    for (const row of rows) inspector.row(row);
    for (let i = 0; i < 50; i++) {
      inspector.rejectedRow({ code: 'CSV_BAD_NUMBER', message: 'not a number', line: 200 + i, column: 3 });
    }
    const report = inspector.finish();
    expect(codes(report)).toEqual(['block:CSV_BAD_NUMBER']);
    expect(report).toMatchObject({ rows: rows.length, lines: rows.length + 50 });
  });

  it('VALUE_OUT_OF_RANGE names the type of the column it happened in', () => {
    const f64 = new FindingLog();
    f64.addProblem({ code: 'VALUE_OUT_OF_RANGE', message: 'value outside the float64 range (b)', line: 2 });
    expect(f64.list()[0]?.message).toContain('float64');
    expect(f64.list()[0]?.message).not.toContain('float32');
    const both = new FindingLog();
    both.addProblem({ code: 'VALUE_OUT_OF_RANGE', message: 'value outside the float32 range (a)', line: 2 });
    expect(both.list()[0]?.message).toMatch(/float32 range/);
    both.addProblem({ code: 'VALUE_OUT_OF_RANGE', message: 'value outside the float64 range (b)', line: 3 });
    expect(both.list()[0]?.message).toMatch(/float32.*float64/);
  });
});

describe('quality rules: capped state', () => {
  it('stops tracking instruments past the cap: INSTRUMENT_LIMIT_EXCEEDED, and says reading may stop', () => {
    const rows = rowsFor(['2024-01-02'], 5);
    const claim = claimOf(rows, { dateRange: { start: '2024-01-02', end: '2024-01-02' } });
    const inspector = new BatchInspector(claim, DEFAULT_POLICY, { limits: { maxInstruments: 3 } });
    for (const row of rows) inspector.row(row);
    expect(inspector.limitReached).toBe('INSTRUMENT_LIMIT_EXCEEDED');
    const report = inspector.finish();
    expect(codes(report)).toEqual(['block:INSTRUMENT_LIMIT_EXCEEDED']);
    expect(report.instruments).toBe(3);
    expect(report.findings[0]?.examples[0]).toMatchObject({ instrument: 'SH600003' });
  });

  it('stops tracking dates past dates × columns cells: DATE_COUNT_EXCEEDED', () => {
    const rows = rowsFor(DAYS, 2);
    const inspector = new BatchInspector(claimOf(rows), DEFAULT_POLICY, { limits: { maxStatCells: 6 } });
    for (const row of rows) inspector.row(row);
    expect(inspector.limitReached).toBe('DATE_COUNT_EXCEEDED');
    expect(codes(inspector.finish())).toEqual(['block:DATE_COUNT_EXCEEDED']);
  });

  it('remembers (date, instrument) pairs exactly, sparse or dense, whatever order they come in', () => {
    const random = createRandom(7);
    const pairs = new SeenPairs();
    const reference = new Set<string>();
    for (let i = 0; i < 40_000; i++) {
      const date = Math.floor(random() * 30);
      // Dense ids for most rows, and now and then a very high one (a sparse tail).
      const id = random() < 0.02 ? Math.floor(random() * 5_000_000) : Math.floor(random() * 3000);
      const key = `${date}:${id}`;
      expect(pairs.add(date, id)).toBe(!reference.has(key));
      reference.add(key);
    }
  });
});

describe('table width (core/table-shape.ts)', () => {
  it('bounds value bytes (float32 4, float64 8) and columns as measured on InnoDB', () => {
    const f64 = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ name: `d${i}`, type: 'float64' as const }));
    const f32 = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ name: `f${i}`, type: 'float32' as const }));
    expect(tableShapeProblem(f64(975))).toBeUndefined();
    expect(tableShapeProblem(f64(976))).toContain('7808 bytes');
    expect(tableShapeProblem([...f64(960), ...f32(30)])).toBeUndefined();
    expect(tableShapeProblem([...f64(960), ...f32(31)])).toBeDefined();
    expect(tableShapeProblem(f32(MAX_TABLE_COLUMNS))).toBeUndefined();
    expect(tableShapeProblem(f32(MAX_TABLE_COLUMNS + 1))).toContain(`${MAX_TABLE_COLUMNS + 1} value columns`);
    expect(valueBytes([...f64(2), ...f32(3)])).toBe(28);
    expect(MAX_VALUE_BYTES).toBe(7800);
  });
});
