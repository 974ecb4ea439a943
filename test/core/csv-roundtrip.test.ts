import { describe, expect, it } from 'vitest';
import { FastRowDecoder } from '../../core/csv/fast-row-decoder.js';
import {
  type ColumnSpec,
  type CsvLayout,
  CsvRowWriter,
  formatFloat32,
  formatFloat64,
} from '../../core/csv/index.js';
import { RowDecoder } from '../../core/csv/row-decoder.js';
import { type ParseResult, parse } from './csv-parse-helper.js';

/** Deterministic xorshift32. */
function generator(seed: number): () => number {
  let s = seed;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1);
const u64 = new Uint32Array(f64.buffer);

const columns: ColumnSpec[] = [
  { name: 'A', type: 'float32' },
  { name: 'B', type: 'float32' },
  { name: 'C', type: 'float64' },
  { name: 'D', type: 'float64' },
];
const layout: CsvLayout = { kind: 'factors', columns };

/** Random finite values from raw bit patterns: every exponent, subnormals, ±0, and some NaN. */
function randomValues(next: () => number): number[] {
  return columns.map((column) => {
    if (next() % 20 === 0) return Number.NaN;
    if (next() % 50 === 0) return next() % 2 ? -0 : 0;
    for (;;) {
      let v: number;
      if (column.type === 'float32') {
        u32[0] = next();
        v = f32[0]!;
      } else {
        u64[0] = next();
        u64[1] = next();
        v = f64[0]!;
      }
      if (Number.isFinite(v)) return v;
    }
  });
}

function sameBits(a: number | null, b: number): boolean {
  return a === null ? Number.isNaN(b) : Object.is(a, b);
}

describe('writer → parser round trip', () => {
  it('gives back every value bit for bit, and the written lines are already canonical', () => {
    const next = generator(2024);
    const writer = new CsvRowWriter(layout);
    writer.header();
    const expected: number[][] = [];
    for (let i = 0; i < 20_000; i++) {
      const values = randomValues(next);
      writer.row('2024-02-29', `I${i % 300}`, values);
      expected.push(values);
    }
    const payload = writer.take();
    const r = parse(payload, { layout, cuts: [1000, 70_000, 70_001, 500_000] });
    expect(r.problems).toEqual([]);
    expect(r.rows).toHaveLength(expected.length);
    const mismatches: string[] = [];
    r.rows.forEach((row, i) => {
      expected[i]!.forEach((v, c) => {
        const want = columns[c]!.type === 'float32' ? Math.fround(v) : v;
        if (!sameBits(row.values[c]!, want))
          mismatches.push(`row ${i} column ${c}: ${row.values[c]} vs ${want}`);
      });
    });
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(`datetime,instrument,A,B,C,D\n${r.canonical.join('')}`).toBe(payload.toString('latin1'));
  });
});

/** Everything a consumer can observe, in order. */
function observed(r: ParseResult): unknown {
  return { rows: r.rows, canonical: r.canonical, problems: r.problems, fatal: r.fatal, lines: r.lines };
}

const mixedLayout: CsvLayout = {
  kind: 'factors',
  columns: [
    { name: 'KMID', type: 'float32' },
    { name: 'ŝtato', type: 'float64' },
  ],
};
const MIXED =
  'datetime,instrument,KMID,ŝtato\n' +
  '2024-01-02,SH600000,0.1,2\n' +
  '2024-01-02,BRK.B,+1.50,NaN\n' +
  '2024-01-02,Ä,1,2\n' +
  '2024-01-02,A,"1",2\n' +
  '2024-01-03,A,inf,\\N\n' +
  '2024-01-03,B,1e-7,1e21\n' +
  '2024-01-03,C,1,2,3\n' +
  '2024-01-03,D,1,2\r\n' +
  '2024-01-03,E,1,2\n';

describe('chunk boundaries', () => {
  const inputs: [string, Buffer, CsvLayout][] = [
    ['mixed rows, problems, multi-byte header and a CRLF', Buffer.from(MIXED), mixedLayout],
    ['a BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(MIXED)]), mixedLayout],
    ['a last line without newline ending in \\r', Buffer.from(`${MIXED.split('\r')[0]!}\r`), mixedLayout],
  ];

  it.each(inputs)(
    'give identical results for every single cut, byte-by-byte and random cuts: %s',
    (_, bytes, l) => {
      const whole = observed(parse(bytes, { layout: l, inf: 'null' }));
      for (let cut = 0; cut <= bytes.length; cut++) {
        expect(observed(parse(bytes, { layout: l, inf: 'null', cuts: [cut] })), `cut at ${cut}`).toEqual(
          whole,
        );
      }
      const everyByte = Array.from({ length: bytes.length }, (_, i) => i);
      expect(observed(parse(bytes, { layout: l, inf: 'null', cuts: everyByte }))).toEqual(whole);
      const next = generator(7);
      for (let round = 0; round < 200; round++) {
        const cuts = Array.from({ length: 1 + (next() % 12) }, () => next() % (bytes.length + 1)).sort(
          (a, b) => a - b,
        );
        expect(observed(parse(bytes, { layout: l, inf: 'null', cuts })), `cuts ${cuts}`).toEqual(whole);
      }
    },
  );

  it('the mixed payload reads as expected', () => {
    const r = parse(MIXED, { layout: mixedLayout, inf: 'null' });
    expect(r.rows.map((row) => row.instrument)).toEqual(['SH600000', 'BRK.B', 'A', 'B']);
    expect(r.problems.map((p) => [p.code, p.line, p.column])).toEqual([
      ['CSV_BAD_INSTRUMENT', 4, 2],
      ['CSV_QUOTE', 5, 3],
      ['CSV_RAGGED', 8, 5],
      ['CSV_CRLF', 9, undefined],
    ]);
    expect(r.canonical[1]).toBe('2024-01-02,BRK.B,1.5,\\N\n');
  });
});

describe('garbage never crashes the parser', () => {
  const ALPHABET = Buffer.from('0123456789,\n\r"\\N.eE+-ianfINF SH2024-01-02\u0000\u007f');

  function mutate(base: Buffer, next: () => number): Buffer {
    const out = Buffer.from(base.subarray(0, next() % (base.length + 1))); // random truncation
    const edits = next() % 8;
    for (let i = 0; i < edits && out.length > 0; i++) {
      const at = next() % out.length;
      out[at] = next() % 3 === 0 ? next() & 0xff : ALPHABET[next() % ALPHABET.length]!;
    }
    return out;
  }

  it('random bytes and mutated payloads give only rows and problems, chunking-invariant and idempotent', () => {
    const next = generator(99);
    const base = Buffer.from(MIXED.replace('\r', ''));
    const codes = new Set<string>();
    let rows = 0;
    for (let round = 0; round < 3000; round++) {
      const input =
        round % 10 === 0
          ? Buffer.from(Array.from({ length: next() % 200 }, () => next() & 0xff))
          : mutate(base, next);
      const whole = parse(input, { layout: mixedLayout, inf: round % 2 ? 'null' : 'reject' });
      const cuts = Array.from({ length: 3 }, () => next() % (input.length + 1)).sort((a, b) => a - b);
      const chunked = parse(input, { layout: mixedLayout, inf: round % 2 ? 'null' : 'reject', cuts });
      expect(observed(chunked)).toEqual(observed(whole));
      expect(whole.lines).toBeGreaterThanOrEqual(whole.rows.length);
      for (const p of whole.problems) codes.add(p.code);
      rows += whole.rows.length;
      // Canonical lines parse back to themselves with the same values.
      if (whole.rows.length > 0) {
        const again = parse(`datetime,instrument,KMID,ŝtato\n${whole.canonical.join('')}`, {
          layout: mixedLayout,
        });
        expect(again.problems).toEqual([]);
        expect(again.canonical).toEqual(whole.canonical);
        expect(again.rows.map((row) => row.values)).toEqual(whole.rows.map((row) => row.values));
      }
    }
    // The fuzzing reached deep: many rows accepted, and most of the codes produced.
    expect(rows).toBeGreaterThan(1000);
    expect([...codes].sort()).toEqual(
      expect.arrayContaining(['CSV_BAD_NUMBER', 'CSV_HEADER', 'CSV_RAGGED', 'CSV_QUOTE']),
    );
    expect(codes.size).toBeGreaterThanOrEqual(10);
  });
});

describe('the fast row decoder', () => {
  it('agrees with the reference decoder on every line, valid or not', () => {
    const next = generator(31337);
    const pieces = [
      '2024-01-02',
      'SH600000',
      '1.5',
      '-0',
      '\\N',
      'NaN',
      'inf',
      '1e-7',
      '+1',
      '.5',
      '1e',
      'x',
      '',
      '"1"',
      '\t',
      '1,2',
      '1e999',
      '\r',
      '0.10',
      '3.4028235e+38',
      '1e+21',
      'Ä',
      'A'.repeat(65),
      '\\Nx',
      '2023-02-29',
    ];
    for (const inf of ['reject', 'null'] as const) {
      const fast = new FastRowDecoder(mixedLayout, inf);
      const reference = new RowDecoder(mixedLayout, inf);
      for (let round = 0; round < 20_000; round++) {
        const count = 1 + (next() % 5);
        const fields = Array.from({ length: count }, (_, i) =>
          next() % 3 === 0 ? pieces[next() % pieces.length]! : (['2024-01-02', 'A', '1', '2.5'][i] ?? '1'),
        );
        const buf = Buffer.from(`${fields.join(',')}\n`, 'latin1');
        const a = fast.decode(buf, 0, buf.length - 1, 7);
        const b = reference.decode(buf, 0, buf.length - 1, 7);
        expect(a, fields.join(',')).toEqual(b);
        expect(fast.problem).toEqual(reference.problem);
        if (a !== undefined)
          expect(fast.canonical.toString('latin1')).toBe(reference.canonical.toString('latin1'));
      }
    }
  });
});

describe('the fast row decoder of the forMysql parser', () => {
  it('agrees with the reference decoder on every line, valid or not, numbers keeping their own digits', () => {
    const next = generator(4242);
    const pieces = [
      '0.10000000149011612',
      '1.2345678',
      '123456.79',
      '1.17549435e-38',
      '1.0000000',
      '+1.2345678',
      '0.1000000014901161194',
      '1e-45',
      '\\N',
      'NaN',
      'inf',
      'x',
      '',
      '3.5e38',
    ];
    for (const inf of ['reject', 'null'] as const) {
      const fast = new FastRowDecoder(mixedLayout, inf, true);
      const reference = new RowDecoder(mixedLayout, inf, true);
      for (let round = 0; round < 20_000; round++) {
        const count = 1 + (next() % 5);
        const fields = Array.from({ length: count }, (_, i) =>
          next() % 2 === 0 ? pieces[next() % pieces.length]! : (['2024-01-02', 'A', '1', '2.5'][i] ?? '1'),
        );
        const buf = Buffer.from(`${fields.join(',')}\n`, 'latin1');
        const a = fast.decode(buf, 0, buf.length - 1, 7);
        const b = reference.decode(buf, 0, buf.length - 1, 7);
        const line = fields.join(',');
        expect(a === undefined, line).toBe(b === undefined);
        expect(fast.problem, line).toEqual(reference.problem);
        if (a === undefined || b === undefined) continue;
        expect(a.values, line).toBeInstanceOf(Float64Array);
        expect({ ...a, values: Array.from(a.values) }, line).toEqual({
          ...b,
          values: Array.from(b.values, (v) => v ?? Number.NaN),
        });
        expect(fast.canonical.toString('latin1'), line).toBe(reference.canonical.toString('latin1'));
      }
    }
  });
});

describe('canonical judgement of arbitrary spellings', () => {
  /** A random spelling matching the contract's number grammar. */
  function spelling(next: () => number): string {
    const digits = Array.from({ length: 1 + (next() % 12) }, () => String(next() % 10)).join('');
    const point = next() % 3 === 0 ? digits.length : next() % (digits.length + 1);
    let text = point === digits.length ? digits : `${digits.slice(0, point)}.${digits.slice(point)}`;
    if (point === digits.length && next() % 5 === 0) text += '.';
    if (next() % 2 === 0) {
      const sign = ['', '+', '-'][next() % 3];
      const zeros = next() % 4 === 0 ? '0' : '';
      text += `${next() % 2 ? 'e' : 'E'}${sign}${zeros}${next() % 45}`;
    }
    return `${['', '-', '+'][next() % 3]}${text}`;
  }

  it('the forMysql fast decoder (its plain-decimal shortcut included) agrees with the reference on every spelling', () => {
    const next = generator(2718);
    // Besides the grammar's random spellings, plain decimals near the shortcut's edges: zeros after the point
    // (five and six), 15 and 16 significant digits, a leading zero, a trailing zero, float32's ends.
    const edges = [
      '0.00000012345',
      '0.0000012345',
      '0.000012345',
      '-0.0000001',
      '-0.000001',
      '123456789012345',
      '1234567890123456',
      '0.123456789012345',
      '0.1234567890123456',
      '01.5',
      '1.50',
      '340282350000000000000000000000000000000',
      '3.4028236e38',
      '0.0000000000000000000000000000000000000117549435',
      '0.00000000000000000000000000000000000001',
      '1200',
      '-0.5',
      '0.0',
      '-0',
    ];
    const layout: CsvLayout = {
      kind: 'factors',
      columns: [
        { name: 'F', type: 'float32' },
        { name: 'G', type: 'float32' },
        { name: 'D', type: 'float64' },
      ],
    };
    const fast = new FastRowDecoder(layout, 'null', true);
    const reference = new RowDecoder(layout, 'null', true);
    let shortcut = 0;
    for (let i = 0; i < 60_000; i++) {
      const pick = () => (next() % 4 === 0 ? edges[next() % edges.length]! : spelling(next));
      const line = `2024-01-02,I,${pick()},${pick()},${pick()}`;
      const buf = Buffer.from(`${line}\n`, 'latin1');
      const a = fast.decode(buf, 0, buf.length - 1, 2);
      const b = reference.decode(buf, 0, buf.length - 1, 2);
      expect(a === undefined, line).toBe(b === undefined);
      expect(fast.problem, line).toEqual(reference.problem);
      if (a === undefined || b === undefined) continue;
      expect(Array.from(a.values), line).toEqual(Array.from(b.values, (v) => v ?? Number.NaN));
      const canonical = fast.canonical.toString('latin1');
      expect(canonical, line).toBe(reference.canonical.toString('latin1'));
      if (canonical === `${line}\n`) shortcut++;
    }
    // Most lines are rewritten (a random spelling is rarely canonical), enough are passed on as written.
    expect(shortcut).toBeGreaterThan(1000);
  });

  it('re-emits every accepted spelling exactly as the formatters would write its value', () => {
    const next = generator(4242);
    const two: CsvLayout = {
      kind: 'factors',
      columns: [
        { name: 'F', type: 'float32' },
        { name: 'D', type: 'float64' },
      ],
    };
    const lines: string[] = [];
    const expected: string[] = [];
    for (let i = 0; i < 50_000; i++) {
      const a = spelling(next);
      const b = spelling(next);
      const f = Math.fround(Number(a));
      if (!Number.isFinite(f)) continue;
      lines.push(`2024-01-02,I,${a},${b}\n`);
      expected.push(`2024-01-02,I,${formatFloat32(f)},${formatFloat64(Number(b))}\n`);
    }
    const r = parse(`datetime,instrument,F,D\n${lines.join('')}`, { layout: two });
    expect(r.problems).toEqual([]);
    const wrong = r.canonical.flatMap((line, i) => (line === expected[i] ? [] : [`${lines[i]} -> ${line}`]));
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(r.canonical.filter((line, i) => line === lines[i]).length).toBeGreaterThan(1000);
  });
});
