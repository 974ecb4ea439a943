import { describe, expect, it } from 'vitest';
import {
  assertLayout,
  type CsvLayout,
  csvHeader,
  isValidDate,
  isValidInstrument,
} from '../../core/csv/index.js';

describe('isValidDate', () => {
  it('accepts real dates, leap days included', () => {
    for (const d of [
      '2024-02-29',
      '2000-02-29',
      '2023-01-31',
      '2023-04-30',
      '2023-12-31',
      '1000-01-01',
      '9999-12-31',
    ]) {
      expect(isValidDate(d), d).toBe(true);
    }
  });

  it('refuses impossible days: non-leap Feb 29, month lengths', () => {
    for (const d of [
      '2023-02-29',
      '1900-02-29',
      '2100-02-29',
      '2023-02-30',
      '2023-04-31',
      '2023-06-31',
      '2023-09-31',
      '2023-11-31',
      '2023-01-32',
    ]) {
      expect(isValidDate(d), d).toBe(false);
    }
  });

  it('refuses bad shapes and out-of-range parts', () => {
    const bad = [
      '2023-1-05',
      '2023/01/05',
      '20230105',
      '2023-01-05 ',
      ' 2023-01-05',
      '2023-01-5',
      '2023-00-10',
      '2023-13-01',
      '2023-01-00',
      '0999-12-31',
      '0000-01-01',
      '２０２３-01-05',
      '2023-01-0a',
      '',
      '2023-01-05T00:00',
    ];
    for (const d of bad) expect(isValidDate(d), d).toBe(false);
  });
});

describe('isValidInstrument', () => {
  it('accepts printable ASCII codes verbatim, up to 64 characters', () => {
    for (const code of ['SH600000', 'BRK.B', "x');DROP", 'a', '~!#$%&*+-/:;<=>?@[]^_`{|}', 'A'.repeat(64)]) {
      expect(isValidInstrument(code), code).toBe(true);
    }
  });

  it('refuses empty, too long, separators, quotes, backslashes, spaces, control and non-ASCII', () => {
    for (const code of ['', 'A'.repeat(65), 'A,B', 'A"B', 'A\\B', 'A B', 'A\tB', 'A\u007fB', 'Ä', '股票']) {
      expect(isValidInstrument(code), code).toBe(false);
    }
  });
});

describe('csvHeader and layouts', () => {
  const factors: CsvLayout = {
    kind: 'factors',
    columns: [
      { name: 'KMID', type: 'float32' },
      { name: '$close', type: 'float64' },
    ],
  };

  it('spells datetime,instrument then the columns in manifest order; calendar is datetime', () => {
    expect(csvHeader(factors)).toBe('datetime,instrument,KMID,$close');
    expect(csvHeader({ kind: 'calendar' })).toBe('datetime');
    expect(csvHeader({ kind: 'factors', columns: [] })).toBe('datetime,instrument');
  });

  it('refuses layouts that cannot be written unquoted (CSV_LAYOUT)', () => {
    const named = (name: string): CsvLayout => ({ kind: 'factors', columns: [{ name, type: 'float32' }] });
    for (const name of ['', 'a,b', 'a"b', 'a\\b', 'a\nb', 'datetime', 'instrument']) {
      expect(() => assertLayout(named(name)), name).toThrow(expect.objectContaining({ code: 'CSV_LAYOUT' }));
    }
    const duplicate: CsvLayout = {
      kind: 'factors',
      columns: [
        { name: 'A', type: 'float32' },
        { name: 'A', type: 'float64' },
      ],
    };
    expect(() => assertLayout(duplicate)).toThrow(expect.objectContaining({ code: 'CSV_LAYOUT' }));
    const typed = { kind: 'factors', columns: [{ name: 'A', type: 'int' }] } as unknown as CsvLayout;
    expect(() => assertLayout(typed)).toThrow(/unknown type/);
    expect(() => assertLayout(factors)).not.toThrow();
  });
});
