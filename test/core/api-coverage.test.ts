import { describe, expect, it } from 'vitest';
import {
  completeThrough,
  dayStates,
  type LedgerSpan,
  mergeRanges,
  recentDays,
} from '../../core/api/coverage.js';

const CAL = [
  '2024-01-02',
  '2024-01-03',
  '2024-01-04',
  '2024-01-05',
  '2024-01-08',
  '2024-01-09',
  '2024-01-10',
];

function span(
  start: string,
  end: string,
  status = 'loaded',
  batchId = `b-${start}`,
  code: string | null = null,
): LedgerSpan {
  return { start, end, status, batchId, code };
}

describe('completeThrough', () => {
  it('is the last trading day before the first hole, judged by the calendar', () => {
    expect(
      completeThrough(CAL, [
        { start: '2024-01-02', end: '2024-01-05' },
        { start: '2024-01-08', end: '2024-01-08' },
      ]),
    ).toBe('2024-01-08');
    // 2024-01-04 has no batch: complete through the 3rd, whatever came later.
    expect(
      completeThrough(CAL, [
        { start: '2024-01-02', end: '2024-01-03' },
        { start: '2024-01-05', end: '2024-01-10' },
      ]),
    ).toBe('2024-01-03');
  });

  it('counts from the first loaded day, and runs on past the calendar inside one batch', () => {
    expect(completeThrough(CAL, [{ start: '2024-01-04', end: '2024-01-12' }])).toBe('2024-01-12');
    expect(completeThrough(CAL, [])).toBeNull();
  });

  it('without a calendar (or one that ends before the data) says the latest loaded day', () => {
    expect(
      completeThrough(null, [
        { start: '2024-01-02', end: '2024-01-03' },
        { start: '2024-01-08', end: '2024-01-09' },
      ]),
    ).toBe('2024-01-09');
    expect(completeThrough(['2023-12-29'], [{ start: '2024-01-02', end: '2024-01-03' }])).toBe('2024-01-03');
  });

  it('merges overlapping ranges and keeps adjacent ones apart', () => {
    expect(
      mergeRanges([
        { start: '2024-01-05', end: '2024-01-09' },
        { start: '2024-01-02', end: '2024-01-06' },
        { start: '2024-01-10', end: '2024-01-10' },
      ]),
    ).toEqual([
      { start: '2024-01-02', end: '2024-01-09' },
      { start: '2024-01-10', end: '2024-01-10' },
    ]);
  });
});

describe('dayStates', () => {
  it('tells loaded, restated, quarantined, missing, late, due and before-the-first-load apart', () => {
    const spans = [
      span('2024-01-03', '2024-01-04'),
      span('2024-01-04', '2024-01-04', 'loaded', 'restatement'),
      span('2024-01-08', '2024-01-08', 'rejected', 'bad', 'DUPLICATE_KEY'),
      span('2024-01-09', '2024-01-09'),
      span('2024-01-09', '2024-01-09', 'duplicate', 'twin'),
    ];
    const cells = dayStates([...CAL, '2024-01-11', '2024-01-12'], spans, '2024-01-12', '2024-01-03');
    expect(cells.map((c) => [c.day, c.state])).toEqual([
      ['2024-01-02', 'none'],
      ['2024-01-03', 'loaded'],
      ['2024-01-04', 'restated'],
      ['2024-01-05', 'missing'],
      ['2024-01-08', 'quarantined'],
      ['2024-01-09', 'loaded'],
      ['2024-01-10', 'late'],
      ['2024-01-11', 'late'],
      ['2024-01-12', 'due'],
    ]);
    expect(cells[4]?.batches).toEqual(['bad rejected DUPLICATE_KEY']);
    expect(cells[5]?.batches).toEqual(['b-2024-01-09 loaded', 'twin duplicate']);
  });

  it('a dataset with nothing loaded yet is late on every past day', () => {
    expect(dayStates(['2024-01-02', '2024-01-03'], [], '2024-01-03', null).map((c) => c.state)).toEqual([
      'late',
      'due',
    ]);
  });
});

describe('recentDays', () => {
  it('takes the calendar up to today, or weekdays when there is no calendar', () => {
    expect(recentDays(CAL, '2024-01-08', 3)).toEqual(['2024-01-04', '2024-01-05', '2024-01-08']);
    expect(recentDays(null, '2024-01-08', 3)).toEqual(['2024-01-04', '2024-01-05', '2024-01-08']);
    expect(recentDays(null, '2024-01-07', 2)).toEqual(['2024-01-04', '2024-01-05']);
  });
});
