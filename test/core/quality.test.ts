import { describe, expect, it } from 'vitest';
import { type BatchClaim, BatchInspector, type InspectedRow } from '../../core/quality/inspector.js';
import { DEFAULT_POLICY, parsePolicy, type QualityPolicy } from '../../core/quality/policy.js';

const DATES = ['2024-01-02', '2024-01-03', '2024-01-04'];
const INSTRUMENTS = Array.from({ length: 30 }, (_, i) => `SH6000${String(i).padStart(2, '0')}`);

function goodRows(): InspectedRow[] {
  const rows: InspectedRow[] = [];
  let line = 2;
  for (const date of DATES) {
    for (const [i, instrument] of INSTRUMENTS.entries()) {
      rows.push({ line: line++, date, instrument, values: [i * 0.5 + DATES.indexOf(date), -i] });
    }
  }
  return rows;
}

function claim(rows: InspectedRow[], patch: Partial<BatchClaim> = {}): BatchClaim {
  return {
    kind: 'factors',
    dateRange: { start: DATES[0] as string, end: DATES[2] as string },
    columns: [{ name: 'KMID' }, { name: 'ROC5' }],
    rowCount: rows.length,
    ...patch,
  };
}

function inspect(
  rows: InspectedRow[],
  options: {
    claim?: Partial<BatchClaim>;
    policy?: QualityPolicy;
    calendar?: string[];
    previousDay?: { date: string; instruments: number };
  } = {},
) {
  const context = {
    ...(options.calendar ? { calendar: new Set(options.calendar) } : {}),
    ...(options.previousDay ? { previousDay: options.previousDay } : {}),
  };
  const inspector = new BatchInspector(claim(rows, options.claim), options.policy ?? DEFAULT_POLICY, context);
  for (const row of rows) inspector.row(row);
  return inspector.finish();
}

function codes(report: ReturnType<typeof inspect>): string[] {
  return report.findings.map((f) => `${f.severity}:${f.code}`);
}

describe('quality rules', () => {
  it('a clean batch has no findings', () => {
    const report = inspect(goodRows(), {
      calendar: DATES,
      previousDay: { date: '2023-12-29', instruments: 30 },
    });
    expect(report).toMatchObject({ rows: 90, dates: DATES, instruments: 30, findings: [], blocked: false });
  });

  it('DUPLICATE_KEY blocks, with the repeated row located', () => {
    const rows = goodRows();
    rows.push({ ...(rows[5] as InspectedRow), line: 999 });
    const report = inspect(rows);
    expect(codes(report)).toEqual(['block:DUPLICATE_KEY']);
    expect(report.findings[0]?.examples[0]).toEqual({
      line: 999,
      date: '2024-01-02',
      instrument: 'SH600005',
    });
    expect(report.blocked).toBe(true);
  });

  it('DATE_OUT_OF_RANGE blocks rows outside the manifest range', () => {
    const rows = goodRows();
    const report = inspect(rows, { claim: { dateRange: { start: '2024-01-03', end: '2024-01-04' } } });
    expect(codes(report)).toEqual(['block:DATE_OUT_OF_RANGE']);
    expect(report.findings[0]?.count).toBe(30);
  });

  it('DATE_NOT_TRADING_DAY follows the calendar once one is loaded, with the dataset severity', () => {
    const calendar = ['2024-01-02', '2024-01-04'];
    expect(codes(inspect(goodRows(), { calendar }))).toEqual(['block:DATE_NOT_TRADING_DAY']);
    expect(
      codes(inspect(goodRows(), { calendar, policy: { ...DEFAULT_POLICY, offCalendar: 'warn' } })),
    ).toEqual(['warn:DATE_NOT_TRADING_DAY']);
    expect(codes(inspect(goodRows()))).toEqual([]);
  });

  it('ROW_COUNT_MISMATCH blocks when the manifest count differs', () => {
    const report = inspect(goodRows(), { claim: { rowCount: 91 } });
    expect(codes(report)).toEqual(['block:ROW_COUNT_MISMATCH']);
    expect(report.findings[0]?.message).toContain('91');
  });

  it('NULL_RATIO warns per column above the threshold (NaN and null are both NULL)', () => {
    const rows = goodRows().map((r, i) => ({
      ...r,
      values: [i % 3 === 0 ? 1 : i % 3 === 1 ? null : Number.NaN, r.values[1] as number],
    }));
    const report = inspect(rows, {
      policy: { ...DEFAULT_POLICY, constantFactor: { severity: 'off', minInstruments: 20 } },
    });
    expect(codes(report)).toEqual(['warn:NULL_RATIO']);
    expect(report.findings[0]?.examples[0]).toMatchObject({ field: 'KMID', detail: '66.7% NULL (60 of 90)' });
    const strict = parsePolicy('{"nullRatio":{"severity":"block","max":0.9}}');
    expect(
      codes(
        inspect(rows, { policy: { ...strict, constantFactor: { severity: 'off', minInstruments: 20 } } }),
      ),
    ).toEqual([]);
  });

  it('INSTRUMENT_COUNT_DRIFT compares each day with the previous trading day', () => {
    const rows = goodRows().filter((r) => !(r.date === '2024-01-04' && r.instrument >= 'SH600020'));
    const report = inspect(rows);
    expect(codes(report)).toEqual(['warn:INSTRUMENT_COUNT_DRIFT']);
    expect(report.findings[0]?.examples).toEqual([
      { date: '2024-01-04', detail: '30 on 2024-01-03, 20 on 2024-01-04' },
    ]);
    const fromWarehouse = inspect(goodRows(), { previousDay: { date: '2023-12-29', instruments: 50 } });
    expect(fromWarehouse.findings[0]?.examples[0]).toEqual({
      date: '2024-01-02',
      detail: '50 on 2023-12-29, 30 on 2024-01-02',
    });
  });

  it('CONSTANT_FACTOR flags a factor with one value for every instrument of a date', () => {
    const rows = goodRows().map((r) =>
      r.date === '2024-01-03' ? { ...r, values: [r.values[0] as number, 0.25] } : r,
    );
    const report = inspect(rows);
    expect(codes(report)).toEqual(['warn:CONSTANT_FACTOR']);
    expect(report.findings[0]?.examples).toEqual([
      { date: '2024-01-03', field: 'ROC5', value: '0.25', detail: '30 instruments' },
    ]);
  });

  it('codec problems block with their code and location', () => {
    const inspector = new BatchInspector(claim([], { rowCount: 0 }), DEFAULT_POLICY);
    inspector.problem({
      code: 'CSV_BAD_NUMBER',
      message: 'not a number',
      line: 7,
      column: 4,
      value: '1.2.3',
    });
    inspector.problem({ code: 'CSV_BAD_NUMBER', message: 'not a number', line: 9, column: 3, value: 'x' });
    const report = inspector.finish();
    expect(report.findings).toEqual([
      {
        code: 'CSV_BAD_NUMBER',
        severity: 'block',
        message: 'values that are not numbers',
        count: 2,
        examples: [
          { line: 7, column: 4, value: '1.2.3', detail: 'not a number' },
          { line: 9, column: 3, value: 'x', detail: 'not a number' },
        ],
      },
    ]);
  });

  it('INF_AS_NULL warns when the dataset stores infinities as NULL', () => {
    const inspector = new BatchInspector(claim(goodRows()), { ...DEFAULT_POLICY, inf: 'null' });
    for (const [i, row] of goodRows().entries()) inspector.row(row, i === 3 ? 2 : 0);
    expect(inspector.finish().findings.map((f) => f.code)).toEqual(['INF_AS_NULL']);
  });

  it('keeps at most 10 examples but counts every occurrence', () => {
    const rows = goodRows();
    const report = inspect([...rows, ...rows], { claim: { rowCount: 180 } });
    expect(report.findings[0]).toMatchObject({ code: 'DUPLICATE_KEY', count: 90 });
    expect(report.findings[0]?.examples).toHaveLength(10);
  });
});

describe('quality policy', () => {
  it('merges dataset rules over the defaults', () => {
    expect(parsePolicy(null)).toEqual(DEFAULT_POLICY);
    expect(parsePolicy('{"inf":"null","instrumentDrift":{"tolerance":0.05}}')).toEqual({
      ...DEFAULT_POLICY,
      inf: 'null',
      instrumentDrift: { severity: 'warn', tolerance: 0.05 },
    });
  });

  it('reports every invalid rule at once', () => {
    const error = (() => {
      try {
        parsePolicy('{"inf":"zero","nullRatio":{"max":2},"typo":1}');
      } catch (e) {
        return e as { code: string; problems: { path: string }[] };
      }
      return undefined;
    })();
    expect(error?.code).toBe('POLICY_INVALID');
    expect(error?.problems.map((p) => p.path).sort()).toEqual(['$.inf', '$.nullRatio.max', '$.typo']);
  });
});
