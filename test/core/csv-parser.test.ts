import { describe, expect, it } from 'vitest';
import { type CsvLayout, CsvRowParser } from '../../core/csv/index.js';
import { factors, HEADER, parse } from './csv-parse-helper.js';

const ROW = '2024-01-02,SH600000,0.5,1.25\n';

describe('CsvRowParser: accepted rows', () => {
  it('parses rows with values, NULLs and their canonical bytes (the input line itself)', () => {
    const r = parse(`${HEADER}${ROW}2024-01-02,BRK.B,\\N,-0\n2024-01-03,X');DROP,1e-7,1e+21`);
    expect(r.problems).toEqual([]);
    expect(r.rows).toEqual([
      { line: 2, date: '2024-01-02', instrument: 'SH600000', values: [0.5, 1.25], infinities: 0 },
      { line: 3, date: '2024-01-02', instrument: 'BRK.B', values: [null, -0], infinities: 0 },
      {
        line: 4,
        date: '2024-01-03',
        instrument: "X');DROP",
        values: [Math.fround(1e-7), 1e21],
        infinities: 0,
      },
    ]);
    expect(Object.is(r.rows[1]!.values[1], -0)).toBe(true);
    expect(r.canonical).toEqual([ROW, '2024-01-02,BRK.B,\\N,-0\n', "2024-01-03,X');DROP,1e-7,1e+21\n"]);
    expect(r.lines).toBe(4);
    expect(r.rowCount).toBe(3);
  });

  it('upper-cases instrument codes as qlib writes them, on the fast and the reference path', () => {
    // sh510050 (canonical values: the fast path) and sz000001 (a NaN token: the reference decoder).
    const r = parse(
      `${HEADER}2024-01-02,sh510050,0.5,1.25\n2024-01-02,sz000001,NaN,2\n2024-01-02,Brk.b,1,2\n`,
    );
    expect(r.problems).toEqual([]);
    expect(r.rows.map((row) => row.instrument)).toEqual(['SH510050', 'SZ000001', 'BRK.B']);
    expect(r.canonical).toEqual([
      '2024-01-02,SH510050,0.5,1.25\n',
      '2024-01-02,SZ000001,\\N,2\n',
      '2024-01-02,BRK.B,1,2\n',
    ]);
  });

  it('accepts a header-only payload with or without the final newline', () => {
    expect(parse(HEADER)).toMatchObject({ rows: [], problems: [], fatal: undefined, lines: 1 });
    expect(parse(HEADER.trimEnd())).toMatchObject({ rows: [], problems: [], fatal: undefined, lines: 1 });
  });

  it('rounds float32 columns and re-emits non-canonical spellings canonically', () => {
    const input = `${HEADER}2024-01-02,A,+1.50,0.10000000000000001\n2024-01-02,B,.5,1E3\n2024-01-02,C,0.1,7.\n2024-01-02,D,1e21,-0.0\n`;
    const r = parse(input);
    expect(r.problems).toEqual([]);
    expect(r.rows.map((row) => row.values)).toEqual([
      [1.5, 0.1],
      [0.5, 1000],
      [Math.fround(0.1), 7],
      [Math.fround(1e21), -0],
    ]);
    expect(r.canonical).toEqual([
      '2024-01-02,A,1.5,0.1\n',
      '2024-01-02,B,0.5,1000\n',
      '2024-01-02,C,0.1,7\n',
      '2024-01-02,D,1e+21,-0\n',
    ]);
  });

  it('turns NaN, nan, NAN into NULL, re-emitted as \\N', () => {
    const r = parse(`${HEADER}2024-01-02,A,NaN,nan\n2024-01-02,B,NAN,\\N\n`);
    expect(r.problems).toEqual([]);
    expect(r.rows.map((row) => row.values)).toEqual([
      [null, null],
      [null, null],
    ]);
    expect(r.canonical).toEqual(['2024-01-02,A,\\N,\\N\n', '2024-01-02,B,\\N,\\N\n']);
  });

  it("rejects infinity tokens by default, turns them into counted NULLs under inf: 'null'", () => {
    const tokens = ['inf', '-inf', '+inf', 'Infinity', '-Infinity', 'INF', 'iNfInItY', '+INFINITY'];
    const input = `${HEADER}${tokens.map((t, i) => `2024-01-02,I${i},${t},1\n`).join('')}2024-01-02,Z,inf,-INF\n`;
    const rejected = parse(input);
    expect(rejected.rows).toEqual([]);
    expect(rejected.problems.map((p) => [p.code, p.line, p.column, p.field, p.value])).toEqual([
      ...tokens.map((t, i) => ['VALUE_INFINITE', i + 2, 3, 'KMID', t]),
      ['VALUE_INFINITE', tokens.length + 2, 3, 'KMID', 'inf'],
    ]);
    const nulled = parse(input, { inf: 'null' });
    expect(nulled.problems).toEqual([]);
    expect(nulled.rows.map((row) => [row.values, row.infinities])).toEqual([
      ...tokens.map(() => [[null, 1], 1]),
      [[null, null], 2],
    ]);
    expect(nulled.canonical[0]).toBe('2024-01-02,I0,\\N,1\n');
  });

  it('parses calendars', () => {
    const r = parse('datetime\n2024-01-02\n2024-01-03\n2023-02-29\n', { layout: { kind: 'calendar' } });
    expect(r.rows).toEqual([
      { line: 2, date: '2024-01-02', instrument: '', values: [], infinities: 0 },
      { line: 3, date: '2024-01-03', instrument: '', values: [], infinities: 0 },
    ]);
    expect(r.problems.map((p) => [p.code, p.line, p.column])).toEqual([['CSV_BAD_DATE', 4, 1]]);
  });
});

describe('CsvRowParser: fatal problems stop parsing', () => {
  const fatal = (input: string | Buffer, options: Parameters<typeof parse>[1] = {}) => {
    const r = parse(input, options);
    expect(r.problems.at(-1)).toBe(r.fatal);
    return { code: r.fatal?.code, line: r.fatal?.line, column: r.fatal?.column, rows: r.rows.length };
  };

  it('CSV_BOM: the first bytes are EF BB BF', () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(HEADER + ROW)]);
    expect(fatal(bom)).toEqual({ code: 'CSV_BOM', line: 1, column: undefined, rows: 0 });
  });

  it('CSV_EMPTY: no bytes at all, or an empty first line', () => {
    expect(fatal('')).toMatchObject({ code: 'CSV_EMPTY', line: 1 });
    expect(fatal(`\n${HEADER}`)).toMatchObject({ code: 'CSV_EMPTY', line: 1 });
  });

  it('CSV_QUOTED_HEADER: a quote in the header', () => {
    expect(fatal('"datetime","instrument","KMID","VWAP"\n')).toMatchObject({
      code: 'CSV_QUOTED_HEADER',
      line: 1,
    });
  });

  it('CSV_HEADER: names the first differing column, expected and got', () => {
    const r = parse('datetime,instrument,VWAP,KMID\n');
    expect(r.fatal).toMatchObject({ code: 'CSV_HEADER', line: 1, column: 3, field: 'KMID' });
    expect(r.fatal?.message).toContain('expected "KMID", got "VWAP"');
    const missing = parse('datetime,instrument,KMID\n');
    expect(missing.fatal).toMatchObject({ code: 'CSV_HEADER', column: 4, field: 'VWAP' });
    expect(missing.fatal?.message).toContain('expected 4 columns, got 3');
    const extra = parse('datetime,instrument,KMID,VWAP,X\n');
    expect(extra.fatal).toMatchObject({ code: 'CSV_HEADER', column: 5 });
    expect(extra.fatal?.message).toContain('expected no more columns, got "X"');
    expect(fatal('datetime\n')).toMatchObject({ code: 'CSV_HEADER', column: 2 });
    expect(fatal(`${HEADER}`, { layout: { kind: 'calendar' } })).toMatchObject({
      code: 'CSV_HEADER',
      column: 2,
    });
  });

  it('CSV_CRLF: fatal at the first \\r\\n, with its line; rows before it were delivered', () => {
    expect(fatal(`${HEADER}${ROW}${ROW.replace('\n', '\r\n')}${ROW}`)).toEqual({
      code: 'CSV_CRLF',
      line: 3,
      column: undefined,
      rows: 1,
    });
    expect(fatal(HEADER.replace('\n', '\r\n'))).toMatchObject({ code: 'CSV_CRLF', line: 1 });
  });

  it('CSV_LINE_TOO_LONG: a line over maxLineBytes, detected without buffering it', () => {
    const long = `2024-01-02,A,${'1'.repeat(200)},1\n`;
    expect(fatal(`${HEADER}${ROW}${long}${ROW}`, { maxLineBytes: 100 })).toEqual({
      code: 'CSV_LINE_TOO_LONG',
      line: 3,
      column: undefined,
      rows: 1,
    });
    // A line of exactly maxLineBytes (without its \n) is fine.
    const row = '2024-01-02,SH600000,0.5,1.2500001\n';
    expect(parse(`${HEADER}${row}`, { maxLineBytes: row.length - 1 }).fatal).toBeUndefined();
    expect(fatal(`${HEADER}${row}`, { maxLineBytes: row.length - 2 })).toMatchObject({ line: 2 });
    // Never terminated: refused as soon as the partial line outgrows the limit.
    const parser = new CsvRowParser({ layout: factors, inf: 'reject', maxLineBytes: 1000 });
    parser.push(Buffer.from(HEADER));
    for (let i = 0; i < 100 && parser.fatal === undefined; i++) parser.push(Buffer.alloc(100, 0x31));
    expect(parser.fatal).toMatchObject({ code: 'CSV_LINE_TOO_LONG', line: 2 });
    expect(() => new CsvRowParser({ layout: factors, inf: 'reject', maxLineBytes: 3 })).toThrow(RangeError);
  });

  it('ignores input after a fatal problem and refuses push after end', () => {
    const parser = new CsvRowParser({ layout: factors, inf: 'reject' });
    parser.push(Buffer.from('nope\n'));
    parser.push(Buffer.from(ROW));
    parser.end();
    expect(parser.fatal?.code).toBe('CSV_HEADER');
    expect(parser.rows).toBe(0);
    expect(parser.lines).toBe(1);
    expect(() => parser.push(Buffer.from(ROW))).toThrow(/after end/);
  });
});

describe('CsvRowParser: row problems skip the row and parsing goes on', () => {
  const cases: [string, string, number, string | undefined][] = [
    ['2024-01-02,A,1\n', 'CSV_RAGGED', 4, 'VWAP'],
    ['2024-01-02,A,1,2,3\n', 'CSV_RAGGED', 5, undefined],
    ['\n', 'CSV_RAGGED', 2, 'instrument'],
    ['2024-01-02,A,"1",2\n', 'CSV_QUOTE', 3, 'KMID'],
    ['2024-01-02,"A,B",1,2\n', 'CSV_QUOTE', 2, 'instrument'],
    ['2023-02-29,A,1,2\n', 'CSV_BAD_DATE', 1, 'datetime'],
    ['2024-1-2,A,1,2\n', 'CSV_BAD_DATE', 1, 'datetime'],
    ['2024-01-02,A\\B,1,2\n', 'CSV_BAD_INSTRUMENT', 2, 'instrument'],
    [`2024-01-02,${'A'.repeat(65)},1,2\n`, 'CSV_BAD_INSTRUMENT', 2, 'instrument'],
    ['2024-01-02,Ä,1,2\n', 'CSV_BAD_INSTRUMENT', 2, 'instrument'],
    ['2024-01-02,A,1,2x\n', 'CSV_BAD_NUMBER', 4, 'VWAP'],
    ['2024-01-02,A,0x10,2\n', 'CSV_BAD_NUMBER', 3, 'KMID'],
    ['2024-01-02,A,1e,2\n', 'CSV_BAD_NUMBER', 3, 'KMID'],
    ['2024-01-02,A,.,2\n', 'CSV_BAD_NUMBER', 3, 'KMID'],
    ['2024-01-02,A,\\n,2\n', 'CSV_BAD_NUMBER', 3, 'KMID'],
    ['2024-01-02,A,Nan,2\n', 'CSV_BAD_NUMBER', 3, 'KMID'],
    ['2024-01-02,A, 1,2\n', 'CSV_BAD_NUMBER', 3, 'KMID'],
    ['2024-01-02,A,,2\n', 'CSV_EMPTY_FIELD', 3, 'KMID'],
    [',A,1,2\n', 'CSV_EMPTY_FIELD', 1, 'datetime'],
    ['2024-01-02,,1,2\n', 'CSV_EMPTY_FIELD', 2, 'instrument'],
    ['2024-01-02,A,1,inf\n', 'VALUE_INFINITE', 4, 'VWAP'],
    ['2024-01-02,A,3.5e38,2\n', 'VALUE_OUT_OF_RANGE', 3, 'KMID'],
    ['2024-01-02,A,1,1e309\n', 'VALUE_OUT_OF_RANGE', 4, 'VWAP'],
    ['2024-01-02,A,1\t,2\n', 'CSV_CONTROL_CHAR', 3, 'KMID'],
    ['2024-01-02,A,1,2\r3\n', 'CSV_CONTROL_CHAR', 4, 'VWAP'],
    ['2024-01-02,A\u007f,1,2\n', 'CSV_CONTROL_CHAR', 2, 'instrument'],
    ['2024-01-02\u0000,A,1,2\n', 'CSV_CONTROL_CHAR', 1, 'datetime'],
  ];

  it.each(cases)('%j → %s at column %i', (line, code, column, field) => {
    const r = parse(`${HEADER}${ROW}${line}${ROW}`);
    expect(r.fatal).toBeUndefined();
    expect(r.problems).toHaveLength(1);
    const problem = r.problems[0]!;
    expect(problem).toMatchObject({ code, line: 3, column });
    expect(problem.field).toBe(field);
    expect(problem.message.length).toBeGreaterThan(5);
    expect(r.rows.map((row) => row.line)).toEqual([2, 4]);
  });

  it('reports the first problem of a row: quote and control characters before the field count', () => {
    const r = parse(`${HEADER}2024-01-02,"A,B",1,2,3\n2024-13-01,A,x\n`);
    expect(r.problems.map((p) => [p.code, p.line, p.column])).toEqual([
      ['CSV_QUOTE', 2, 2],
      ['CSV_RAGGED', 3, 4],
    ]);
    expect(r.problems[1]?.message).toContain('expected 4 fields, got 3');
  });

  it('a bare \\r at the end of the last line is a control character, not a line end', () => {
    const r = parse(`${HEADER}${ROW}2024-01-02,A,1,2\r`);
    expect(r.fatal).toBeUndefined();
    expect(r.problems.map((p) => [p.code, p.line, p.column])).toEqual([['CSV_CONTROL_CHAR', 3, 4]]);
  });

  it('truncates the offending text to 80 characters', () => {
    const r = parse(`${HEADER}2024-01-02,A,${'9'.repeat(300)}x,1\n`);
    expect(r.problems[0]).toMatchObject({ code: 'CSV_BAD_NUMBER', column: 3 });
    expect(r.problems[0]?.value).toBe('9'.repeat(80));
  });

  it('keeps huge but finite numbers when they fit the column type', () => {
    const wide: CsvLayout = { kind: 'factors', columns: [{ name: 'X', type: 'float64' }] };
    const r = parse(`datetime,instrument,X\n2024-01-02,A,${'9'.repeat(300)}\n2024-01-02,B,1e-400\n`, {
      layout: wide,
    });
    expect(r.problems).toEqual([]);
    expect(r.rows.map((row) => row.values[0])).toEqual([1e300, 0]);
    expect(r.canonical).toEqual(['2024-01-02,A,1e+300\n', '2024-01-02,B,0\n']);
  });
});

describe('CsvRowParser.forMysql: the parser that feeds LOAD DATA', () => {
  const F32: CsvLayout = { kind: 'factors', columns: [{ name: 'X', type: 'float32' }] };
  const head = 'datetime,instrument,X\n';

  it('gives every row the same Float64Array of values (NaN = NULL), valid inside the handler', () => {
    const seen: Float64Array[] = [];
    const copies: number[][] = [];
    const parser = CsvRowParser.forMysql({
      layout: factors,
      inf: 'null',
      onRow: (row) => {
        seen.push(row.values);
        copies.push([...row.values]);
      },
    });
    parser.push(Buffer.from(`${HEADER}${ROW}2024-01-02,B,\\N,-inf\n2024-01-02,C,NaN,2\n`));
    parser.end();
    expect(seen).toHaveLength(3);
    expect(seen[1]).toBe(seen[0]);
    expect(seen[2]).toBe(seen[0]);
    expect(seen[0]).toBeInstanceOf(Float64Array);
    expect(copies).toEqual([
      [0.5, 1.25],
      [Number.NaN, Number.NaN],
      [Number.NaN, 2],
    ]);
  });

  it('passes a float32 number written with more digits than the shortest on as written; the value is the same', () => {
    const lines = [
      '2024-01-02,A,0.100000001\n', // float32 0.1 with 9 digits (printf's %.9g writes this)
      '2024-01-02,B,123456.79\n', // already the shortest
      '2024-01-02,C,-1.17549435e-38\n', // the smallest normal float32, 9 digits
      '2024-01-02,D,1.23456789e-7\n',
    ];
    const mysql = parse(`${head}${lines.join('')}`, { layout: F32, forMysql: true });
    const plain = parse(`${head}${lines.join('')}`, { layout: F32 });
    expect(mysql.problems).toEqual([]);
    expect(mysql.canonical).toEqual(lines);
    expect(plain.canonical).toEqual([
      '2024-01-02,A,0.1\n',
      '2024-01-02,B,123456.79\n',
      '2024-01-02,C,-1.1754944e-38\n',
      '2024-01-02,D,1.2345679e-7\n',
    ]);
    expect(mysql.rows.map((r) => r.values)).toEqual(plain.rows.map((r) => r.values));
    expect(mysql.rows.map((r) => r.values[0])).toEqual(
      ['0.1', '123456.79', '-1.17549435e-38', '1.23456789e-7'].map((t) => Math.fround(Number(t))),
    );
  });

  it('still rewrites every other spelling: a sign, trailing zeros, another exponent form, over 15 digits', () => {
    const r = parse(
      `${head}2024-01-02,A,+1.50\n2024-01-02,B,0.00000012345678\n2024-01-02,C,1.2345678E-07\n` +
        '2024-01-02,D,0.1000000014901161194\n2024-01-02,E,nan\n2024-01-02,f,0.5\n',
      { layout: F32, forMysql: true },
    );
    expect(r.problems).toEqual([]);
    expect(r.canonical).toEqual([
      '2024-01-02,A,1.5\n',
      '2024-01-02,B,1.2345679e-7\n',
      '2024-01-02,C,1.2345679e-7\n',
      '2024-01-02,D,0.1\n',
      '2024-01-02,E,\\N\n',
      '2024-01-02,F,0.5\n',
    ]);
  });

  it('rejects what the default parser rejects, with the same problems', () => {
    const input =
      `${HEADER}2024-01-02,A,1.2.3,1\n2024-01-02,B,3.5e38,1\n2024-01-02,C,inf,1\n2024-01-02,D,1,\n` +
      `2024-01-02,E,0.100000001\n2024-13-01,F,1,2\n2024-01-02,G,1,2,3\n2024-01-02,H,"1",2\n${ROW}`;
    const mysql = parse(input, { forMysql: true });
    const plain = parse(input);
    expect(mysql.problems.map((p) => p.code)).toEqual([
      'CSV_BAD_NUMBER',
      'VALUE_OUT_OF_RANGE',
      'VALUE_INFINITE',
      'CSV_EMPTY_FIELD',
      'CSV_RAGGED',
      'CSV_BAD_DATE',
      'CSV_RAGGED',
      'CSV_QUOTE',
    ]);
    expect(mysql.problems).toEqual(plain.problems);
    expect(mysql.rows).toEqual(plain.rows);
    expect([mysql.lines, mysql.rowCount]).toEqual([plain.lines, plain.rowCount]);
  });
});
